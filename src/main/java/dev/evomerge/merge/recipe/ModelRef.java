package dev.evomerge.merge.recipe;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A model named in a recipe, exactly as written. Identity is the written text, as in mergekit
 * ({@code ModelReference} equality): {@code ./a} and {@code a} are two different references even if they name the same
 * directory. evomerge reads local checkpoint directories only; hub ids are paths relative to the recipe's directory.
 *
 * <p>mergekit's {@code model+lora} and {@code model@revision} forms are refused: the first needs a LoRA merge, the
 * second names a hub revision. The parser turns these refusals into one-line user errors.
 */
public record ModelRef(String path) {
    public ModelRef {
        Objects.requireNonNull(path, "path");
        if (path.isBlank()) {
            throw new IllegalArgumentException("a model path must not be empty");
        }
        if (path.contains("+")) {
            throw new IllegalArgumentException("'" + path
                    + "' is a LoRA reference (model+lora), and LoRA references are not supported yet");
        }
        if (path.contains("@")) {
            throw new IllegalArgumentException("'" + path
                    + "' names a hub revision (model@revision); only local model directories are supported");
        }
    }

    /**
     * The directory this reference names: absolute paths as written; relative ones against {@code baseDirectory}
     * (the recipe file's directory, see {@link LoadedRecipe}).
     */
    public Path resolve(Path baseDirectory) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p.normalize() : baseDirectory.resolve(p).toAbsolutePath().normalize();
    }

    @Override
    public String toString() {
        return path;
    }
}
