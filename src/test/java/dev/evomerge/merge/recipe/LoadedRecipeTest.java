package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadedRecipeTest {

    @Test
    void relativePathsResolveAgainstTheRecipeFilesDirectory(@TempDir Path dir) throws IOException {
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        Path file = recipes.resolve("merge.yml");
        Files.writeString(file, """
                merge_method: task_arithmetic
                base_model: ../models/base
                models:
                  - model: ./tuned
                  - model: /opt/models/other
                """);
        LoadedRecipe loaded = LoadedRecipe.load(file);
        assertEquals(List.of(dir.resolve("models/base").toAbsolutePath(), recipes.resolve("tuned").toAbsolutePath(),
                Path.of("/opt/models/other")), loaded.modelPaths());
        assertEquals(file.toString(), loaded.sourceName());
    }

    @Test
    void recipeTextResolvesAgainstTheWorkingDirectory() {
        LoadedRecipe loaded = LoadedRecipe.fromText("merge_method: linear\nmodels: [{model: m}]\n", "inline");
        assertEquals(List.of(Path.of("m").toAbsolutePath().normalize()), loaded.modelPaths());
    }

    @Test
    void planErrorsNameTheSource() {
        LoadedRecipe loaded = LoadedRecipe.fromText("merge_method: linear\nmodels: [{model: a}, {model: b}]\n", "genome 7");
        UserError e = assertThrows(UserError.class,
                () -> loaded.plan(m -> m.path().equals("a") ? 2 : 3));
        assertEquals("genome 7: models[1].model: 'b' has 3 layers but 'a' has 2; a models: merge needs equal layer"
                + " counts (use slices: to choose layer ranges)", e.getMessage());
    }
}
