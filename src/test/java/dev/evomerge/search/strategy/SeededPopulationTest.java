package dev.evomerge.search.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.search.Candidate;
import dev.evomerge.search.Genome;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GA and NSGA-II start from the space's start point, not blind: generation 0 holds plain task arithmetic (every
 * weight 1, the recipe a user tunes by hand) on the zoo's parameter spaces, and on PS+DFS the start's parameter genes
 * (plain task arithmetic) with the merged model's own layers.
 */
class SeededPopulationTest {

    static MergeSpace zoo(String file) {
        return SearchSpaces.load(Path.of("search-spaces", file));
    }

    @Test
    void parameterSpacesStartAtPlainTaskArithmetic() {
        for (String f : List.of("zoo-task-arithmetic-global.yaml", "zoo-task-arithmetic-per-layer.yaml",
                "zoo-task-arithmetic-uniform.yaml", "zoo-dfs.yaml")) {
            MergeSpace space = zoo(f);
            Genome start = space.start();
            assertNotNull(start, f + " has a start point");
            Candidate c = space.decode(start);
            Recipe r = c.recipe();
            List<Double> weights = new java.util.ArrayList<>();
            if (r.models() != null && !r.models().isEmpty()) {
                r.models().stream().filter(m -> m.parameters().containsKey("weight"))
                        .forEach(m -> weights.add(((Scalar) m.parameters().get("weight")).asDouble()));
            } else {
                r.slices().forEach(s -> s.sources().stream().filter(x -> x.parameters().containsKey("weight"))
                        .forEach(x -> weights.add(((Scalar) x.parameters().get("weight")).asDouble())));
            }
            if (r.parameters().containsKey("weight")) {  // fixed: written once for every model
                weights.add(((Scalar) r.parameters().get("weight")).asDouble());
            }
            assertTrue(!weights.isEmpty(), f);
            weights.forEach(w -> assertEquals(1.0, w, 0, f + ": every weight 1"));
            if (r.parameters().containsKey("lambda")) {
                assertEquals(1.0, ((Scalar) r.parameters().get("lambda")).asDouble(), 0, f + ": lambda 1");
            }
        }
    }

    @Test
    void generationZeroContainsTheStartPoint() {
        for (String f : List.of("zoo-task-arithmetic-global.yaml", "zoo-task-arithmetic-per-layer.yaml",
                "zoo-dfs.yaml")) {
            MergeSpace space = zoo(f);
            Genome start = space.start();
            for (String name : List.of("ga", "nsga2")) {
                for (long seed = 1; seed <= 3; seed++) {
                    StrategyConfig config = StrategyConfig.defaults().withBudget(64).withInitial(start)
                            .withObjectives(space.objective().tasks());
                    List<Genome> gen0 = Strategies.create(name, config, space.dimension(), seed).ask();
                    assertTrue(gen0.contains(start), name + " seed " + seed + " on " + f + ": generation 0 "
                            + "lacks the start point");
                    assertEquals(16, gen0.size());
                }
            }
        }
    }
}
