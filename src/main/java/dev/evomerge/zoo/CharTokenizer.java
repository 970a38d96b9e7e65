package dev.evomerge.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.io.Json;
import java.nio.charset.StandardCharsets;

/**
 * The zoo's character-level vocabulary: {@code <pad> <s> </s> <unk>}, then printable ASCII 32..126, one token per
 * character. Written as a standard {@code tokenizer.json} (BPE with no merges and a Fuse decoder), so any Hugging
 * Face tokenizer, and the runtime's, reads it; {@link #encode} is the same mapping in Java for training.
 */
public final class CharTokenizer {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int UNK = 3;
    private static final String[] SPECIALS = {"<pad>", "<s>", "</s>", "<unk>"};
    private static final char FIRST = 32;
    private static final char LAST = 126;
    public static final int VOCAB_SIZE = SPECIALS.length + (LAST - FIRST + 1);

    private CharTokenizer() {}

    /** Token ids of {@code text}; characters outside printable ASCII map to {@code <unk>}. */
    public static int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) {
            char c = text.charAt(i);
            ids[i] = c >= FIRST && c <= LAST ? SPECIALS.length + (c - FIRST) : UNK;
        }
        return ids;
    }

    /** The text of non-special ids (special tokens are skipped, as the runtime's decoder does). */
    public static String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id >= SPECIALS.length && id < VOCAB_SIZE) {
                sb.append((char) (FIRST + id - SPECIALS.length));
            }
        }
        return sb.toString();
    }

    /** The {@code tokenizer.json} bytes (pretty-printed, stable key order). */
    public static byte[] tokenizerJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.length; i++) {
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", SPECIALS[i]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < SPECIALS.length; i++) {
            vocab.put(SPECIALS[i], i);
        }
        for (char c = FIRST; c <= LAST; c++) {
            vocab.put(String.valueOf(c), SPECIALS.length + (c - FIRST));
        }
        model.putArray("merges");
        return Json.prettyText(root).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code tokenizer_config.json}: names the special tokens for Hugging Face loaders. */
    public static byte[] tokenizerConfigJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.put("bos_token", "<s>");
        root.put("eos_token", "</s>");
        root.put("unk_token", "<unk>");
        root.put("pad_token", "<pad>");
        root.put("add_bos_token", true);
        root.put("model_max_length", 64);
        return Json.prettyText(root).getBytes(StandardCharsets.UTF_8);
    }
}
