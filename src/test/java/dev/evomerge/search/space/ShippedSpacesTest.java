package dev.evomerge.search.space;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.evomerge.merge.recipe.RecipeParser;
import dev.evomerge.search.Candidate;
import dev.evomerge.search.Genome;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShippedSpacesTest {
    @Test
    void shippedSpacesLoadAndDecode() {
        Map<String, Integer> dims = Map.of("zoo-task-arithmetic-global.yaml", 4, "zoo-ties-per-layer.yaml", 76,
                "zoo-dfs.yaml", 28, "zoo-sweep.yaml", 2, "zoo-task-arithmetic-uniform.yaml", 1,
                "zoo-task-arithmetic-per-layer.yaml", 24, "zoo-dfs-only.yaml", 48,
                "zoo-task-arithmetic-global-retention.yaml", 4, "zoo-task-arithmetic-per-layer-retention.yaml", 24);
        dims.forEach((file, dim) -> {
            MergeSpace s = SearchSpaces.load(Path.of("search-spaces", file));
            assertEquals(dim, s.dimension(), file);
            assertEquals(4, s.objective().tasks().size());
            double[] mid = new double[dim];
            Arrays.fill(mid, 0.5);
            Candidate c = s.decode(new Genome(mid));
            if (c.recipe() != null) {
                assertEquals(c.recipe(), RecipeParser.parse(c.recipe().toYaml(), file));
            }
            assertEquals(c, s.decode(s.encode(c, Path.of("search-spaces"))), file);
        });
        assertEquals(25, SearchSpaces.load(Path.of("search-spaces", "zoo-sweep.yaml")).gridAxes(1).stream()
                .mapToInt(java.util.List::size).reduce(1, (a, b) -> a * b));
    }
}
