package dev.evomerge.merge.recipe;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A model named in a recipe, exactly as written. Identity is the written text, as in mergekit
 * ({@code ModelReference} equality): {@code ./a} and {@code a} are two different references even if they name the same
 * directory. evomerge reads local checkpoint directories only; hub ids are paths relative to the recipe's directory.
 *
 * <p>mergekit's {@code model+lora} form names a base checkpoint and a PEFT LoRA adapter directory, split at the first
 * {@code +} as mergekit does; the adapter is folded into the base's tensors as they are read (see
 * {@code dev.evomerge.checkpoint.LoraFold}). The {@code model@revision} form names a hub revision and is refused.
 */
public record ModelRef(String path) {
    public ModelRef {
        Objects.requireNonNull(path, "path");
        if (path.isBlank()) {
            throw new IllegalArgumentException("a model path must not be empty");
        }
        int plus = path.indexOf('+');
        if (plus == 0 || plus == path.length() - 1) {
            throw new IllegalArgumentException("'" + path + "' is not a LoRA reference: write it as"
                    + " base_model_dir+adapter_dir");
        }
        if (path.contains("@")) {
            throw new IllegalArgumentException("'" + path
                    + "' names a hub revision (model@revision); only local model directories are supported");
        }
    }

    /** {@code base} with {@code adapter} folded in: the reference {@code base+adapter}. */
    public static ModelRef withAdapter(String base, String adapter) {
        return new ModelRef(base + "+" + adapter);
    }

    /** The checkpoint part: the whole reference, or what precedes the {@code +} of a LoRA reference. */
    public String model() {
        int plus = path.indexOf('+');
        return plus < 0 ? path : path.substring(0, plus);
    }

    /** The LoRA adapter directory as written, when this is a {@code model+lora} reference. */
    public Optional<String> adapter() {
        int plus = path.indexOf('+');
        return plus < 0 ? Optional.empty() : Optional.of(path.substring(plus + 1));
    }

    /**
     * The checkpoint directory this reference names (for a LoRA reference, the base's): absolute paths as written;
     * relative ones against {@code baseDirectory} (the recipe file's directory, see {@link LoadedRecipe}).
     */
    public Path resolve(Path baseDirectory) {
        return resolve(baseDirectory, model());
    }

    /** The adapter directory of a LoRA reference, resolved as {@link #resolve(Path)} resolves the model. */
    public Optional<Path> resolveAdapter(Path baseDirectory) {
        return adapter().map(a -> resolve(baseDirectory, a));
    }

    /** This reference with both parts made absolute against {@code baseDirectory}. */
    public ModelRef absolute(Path baseDirectory) {
        String m = resolve(baseDirectory).toString();
        return adapter().isEmpty() ? new ModelRef(m) : withAdapter(m, resolveAdapter(baseDirectory).orElseThrow().toString());
    }

    private static Path resolve(Path baseDirectory, String written) {
        Path p = Path.of(written);
        return p.isAbsolute() ? p.normalize() : baseDirectory.resolve(p).toAbsolutePath().normalize();
    }

    @Override
    public String toString() {
        return path;
    }
}
