package dev.evomerge.eval;

import dev.evomerge.UserError;
import dev.evomerge.model.LanguageModel;
import java.nio.file.Path;
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

    /** Refuses a directory that does not exist, before any hashing or loading. */
    public static Path requireDirectory(Path dir, String role) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new UserError(role + " directory " + dir + " does not exist");
        }
        return dir;
    }
}
