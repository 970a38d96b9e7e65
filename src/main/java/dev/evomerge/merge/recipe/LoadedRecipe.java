package dev.evomerge.merge.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * A recipe with where it came from: the name for error messages, and the directory relative model paths resolve
 * against. For a recipe file that is the file's directory, always (so a recipe and its models can move together and
 * the result does not depend on where the command runs; mergekit itself resolves against the working directory). For
 * recipe text with no file, it is the current directory.
 */
public record LoadedRecipe(Recipe recipe, String sourceName, Path baseDirectory) {
    public LoadedRecipe {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(sourceName, "sourceName");
        baseDirectory = baseDirectory.toAbsolutePath().normalize();
    }

    public static LoadedRecipe load(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return new LoadedRecipe(RecipeParser.parse(file), file.toString(), parent);
    }

    public static LoadedRecipe fromText(String yaml, String sourceName) {
        return new LoadedRecipe(RecipeParser.parse(yaml, sourceName), sourceName, Path.of(""));
    }

    /** The directory {@code model} names. */
    public Path resolve(ModelRef model) {
        return model.resolve(baseDirectory);
    }

    /** Every model directory the recipe references (see {@link Recipe#referencedModels()}), resolved. */
    public List<Path> modelPaths() {
        return recipe.referencedModels().stream().map(this::resolve).distinct().toList();
    }

    /** The layer plan; {@code numLayers} gives a model's {@code num_hidden_layers}. */
    public LayerPlan plan(ToIntFunction<ModelRef> numLayers) {
        return LayerPlan.of(recipe, sourceName, numLayers);
    }
}
