package dev.evomerge.eval;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.io.Sha256;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.function.Function;

/**
 * How commands reach models: open one from a checkpoint directory, and name its content (the cache key). The CLI
 * points this at the runtime and the checkpoint reader; tests give fakes.
 *
 * @param open        loads a model from a checkpoint directory; the caller closes it
 * @param contentHash SHA-256 hex of the checkpoint's weights and config
 */
public record ModelProvider(Function<Path, LanguageModel> open, Function<Path, String> contentHash) {
    public ModelProvider {
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(contentHash, "contentHash");
    }

    /** Llama checkpoints through the runtime, each loaded with {@code runtimeFor} its directory. */
    public static ModelProvider llama(Function<Path, RuntimeOptions> runtimeFor) {
        return new ModelProvider(dir -> LlamaModel.load(dir, runtimeFor.apply(dir)), ModelProvider::checkpointIdentity);
    }

    /**
     * Cache identity of a checkpoint directory: its weights and config, plus tokenizer.json, which changes the scores
     * too.
     */
    public static String checkpointIdentity(Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            MessageDigest sha = Sha256.digest();
            sha.update(c.contentHash().getBytes(StandardCharsets.US_ASCII));
            Path tokenizer = c.dir().resolve("tokenizer.json");
            if (Files.exists(tokenizer)) {
                sha.update(Files.readAllBytes(tokenizer));
            }
            return Sha256.hex(sha);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Refuses a directory that does not exist (a {@code base+adapter} reference counts), before any hashing or loading. */
    public static Path requireDirectory(Path dir, String role) {
        if (!Files.isDirectory(dir) && Checkpoint.loraReference(dir) == null) {
            throw new UserError(role + " directory " + dir + " does not exist");
        }
        return dir;
    }
}
