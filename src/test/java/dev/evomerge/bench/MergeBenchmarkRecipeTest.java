package dev.evomerge.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.merge.MergePlanner;
import dev.evomerge.merge.Sources;
import dev.evomerge.merge.methods.MergeMethods;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench merge} has a recipe for every merge method, and each plans on models of the benchmark's layout. */
class MergeBenchmarkRecipeTest {
    @TempDir
    Path dir;

    @Test
    void everyMethodHasARecipeThatPlans() {
        var dims = new SyntheticCheckpoints.Dims(64, 32, 48, 1, 4, 2, false, false);
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(dims, DType.BF16, 1);
        List<String> models = List.of("base", "ft1", "ft2", "ft3");
        for (int i = 0; i < models.size(); i++) {
            (i == 0 ? base : base.fineTune(i, 0.01)).write(dir.resolve(models.get(i)), Long.MAX_VALUE, 1);
        }
        for (String method : MergeMethods.names()) {
            LoadedRecipe loaded = LoadedRecipe.fromText(MergeBenchmark.recipe(method, models), method + ".yaml");
            loaded = new LoadedRecipe(loaded.recipe(), loaded.sourceName(), dir);
            try (Sources sources = Sources.open(loaded)) {
                assertFalse(MergePlanner.plan(loaded, sources).tasks().isEmpty(), method);
            }
        }
    }
}
