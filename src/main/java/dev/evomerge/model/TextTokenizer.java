package dev.evomerge.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@code tokenizer.json} run by DJL's bundled Hugging Face tokenizers (native, offline). Plain text only: no special
 * tokens are added and no chat template is applied; the model adds BOS itself.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /** The tokenizer.json it was loaded from (for messages). */
    public Path file() {
        return file;
    }

    /** Loads {@code tokenizer.json}, or the one inside a checkpoint directory. */
    public static TextTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": tokenizer.json not found");
        }
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "false", "truncation", "false", "padding", "false")), file);
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
    }

    public int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        Encoding enc = tokenizer.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    public String decode(int[] ids) {
        if (ids.length == 0) {
            return "";
        }
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
