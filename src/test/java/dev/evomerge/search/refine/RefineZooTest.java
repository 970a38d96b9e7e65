package dev.evomerge.search.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.eval.Suite;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradient refinement on the shipped zoo (models/zoo, eval-suites/zoo): the per-layer task-arithmetic space and the
 * per-layer TIES space with a fixed density.
 */
class RefineZooTest {
    private static final Path SPACES = Path.of("search-spaces").toAbsolutePath();
    private static final Path SUITE = Path.of("eval-suites/zoo/zoo.yaml").toAbsolutePath();
    /** The zoo models' parameters: 99 x 96 embeddings and head, 6 layers, final norm (models/zoo/base/config.json). */
    private static final long PARAMETERS = 2L * 99 * 96 + 6L * (2 * 96 + 2 * 96 * 96 + 2 * 96 * 48 + 3 * 96 * 256) + 96;

    /**
     * One refinement step from plain task arithmetic (every weight 1) lowers the search slice's loss, as the oracle
     * computes it and as the merge engine and runtime score the stepped candidate.
     */
    @ParameterizedTest
    @ValueSource(strings = {"zoo-task-arithmetic-per-layer.yaml", "zoo-ties-fixed-density-per-layer.yaml"})
    void oneStepLowersTheSearchSliceLoss(String file) {
        Path spaceFile = SPACES.resolve(file);
        MergeSpace space = SearchSpaces.load(spaceFile);
        double[] centre = new double[space.dimension()];
        Arrays.fill(centre, 0.5);
        Genome start = new Genome(centre);
        try (RunSetup wiring = RunSetup.local(space, Suite.load(SUITE), spaceFile, null, 1, 64, 1, 1);
             MergeGradient oracle = MergeGradient.create(space, wiring.merger(), wiring.slice(),
                     wiring.shared().tokenizer(), start, 1)) {
            boolean[] trainable = oracle.trainable();
            for (int i = 0; i < trainable.length; i++) {
                assertTrue(trainable[i], "gene " + space.geneNames().get(i) + " should be trainable");
            }
            // Every tensor follows some layer group's weights: one float32 base and four (TIES: trimmed) task vectors.
            assertEquals(5 * 4.0, (double) oracle.heldBytes() / PARAMETERS, 1e-9, oracle.describe());
            double[] before = new double[1];
            RefineStrategy refine = new RefineStrategy("refine", null, start, 1, RefineStrategy.LEARNING_RATE, g -> {
                GradientOracle.Gradient grad = oracle.at(g);
                before[0] = grad.loss();
                return grad;
            });
            assertEquals(List.of(start), refine.ask());
            refine.tell(List.of(start), List.of(new Fitness(Map.of(), 0)));
            Genome next = refine.ask().getFirst();
            double after = oracle.at(next).loss();
            assertTrue(after < before[0], "oracle loss " + before[0] + " -> " + after);
            double engineBefore = MergeGradientTest.engineLoss(wiring, space, start);
            double engineAfter = MergeGradientTest.engineLoss(wiring, space, next);
            // The engine rounds the merged weights to the models' bfloat16; the oracle differentiates the float32 merge.
            assertEquals(engineBefore, before[0], 3e-3 * before[0], "the oracle's loss is the scorer's");
            assertTrue(engineAfter < engineBefore, "engine loss " + engineBefore + " -> " + engineAfter);
        }
    }
}
