package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.eval.Task;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.search.space.Objective;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingTest {
    @TempDir
    static Path dir;
    static SearchSlice slice;
    static final Map<String, Double> WEIGHTS = Map.of("t1", 2.0, "t2", 1.0);
    static final SuiteRunner EVAL = new SuiteRunner(16, Progress.Factory.NONE);

    @BeforeAll
    static void suite() {
        slice = SearchSlice.of(Suite.load(GenSuite.write(dir, List.of("t1", "t2"), 20, 8)));
    }

    static SuiteResult score(LanguageModel m, Suite s) {
        return EVAL.evaluate(m, "m", s, SearchSlice.SLICE, 0);
    }

    static Map<String, Integer> tailSizes(SearchSlice.Stages st) {
        Map<String, Integer> m = new HashMap<>();
        for (Task t : st.tail().tasks()) {
            m.put(t.name(), t.examples(SearchSlice.SLICE).size());
        }
        return m;
    }

    @Test
    void boundByHand() {
        SearchSlice.Stages st = slice.stages(0.25);
        assertEquals(5, st.head().tasks().getFirst().examples("search").size());
        assertEquals(15, st.tail().tasks().getFirst().examples("search").size());
        // t1: 2 of the first 5 right; t2: 5 of 5 right.
        var model = GenSuite.model(q -> q.startsWith("s-t2") || q.equals("s-t1-0") || q.equals("s-t1-3"));
        SuiteResult head = score(model, st.head());
        double t1 = (2.0 + 15) / 20;
        double t2 = (5.0 + 15) / 20;
        assertEquals((2 * t1 + t2) / 3, Staging.upperBound(head, tailSizes(st), new Objective(WEIGHTS, false)), 1e-15);
        // The full slice: t1 2/20, t2 20/20.
        Map<String, Double> full = Staging.combine(head, score(model, st.tail()));
        assertEquals(Map.of("t1", 0.1, "t2", 1.0), full);
        assertEquals((2 * 0.1 + 1.0) / 3, new Objective(WEIGHTS, false).scalar(full), 1e-15);
        // The worst task: t1's bound 17/20 against t2's 20/20; finally t1's 0.1.
        Objective worst = new Objective(WEIGHTS, false, Objective.Aggregate.MIN);
        assertEquals(t1, Staging.upperBound(head, tailSizes(st), worst), 1e-15);
        assertEquals(0.1, worst.scalar(full), 1e-15);
    }

    /**
     * For random candidates and thresholds: the staged scores equal one pass over the whole slice, the bound is never
     * below the final fitness, and a pruned candidate's final fitness is always below the threshold (it could not
     * have reached the top k). Thresholds are drawn from the achievable fitness values, so ties are exercised.
     */
    @Test
    void pruningNeverStopsACandidateThatCouldReachTopK() {
        SplittableRandom r = new SplittableRandom(2024);
        int pruned = 0;
        for (int trial = 0; trial < 300; trial++) {
            Objective objective = new Objective(WEIGHTS, false,
                    trial % 2 == 0 ? Objective.Aggregate.MEAN : Objective.Aggregate.MIN);
            double p = r.nextDouble();
            double fraction = List.of(0.1, 0.25, 0.5, 0.9).get(r.nextInt(4));
            long salt = r.nextLong();
            var model = GenSuite.model(q -> new SplittableRandom(q.hashCode() ^ salt).nextDouble() < p);
            SearchSlice.Stages st = slice.stages(fraction);
            SuiteResult head = score(model, st.head());
            Map<String, Double> staged = Staging.combine(head, score(model, st.tail()));
            Map<String, Double> onePass = Staging.scores(score(model, slice.suite()));
            assertEquals(new LinkedHashMap<>(onePass), new LinkedHashMap<>(staged));
            double fitness = objective.scalar(onePass);
            double bound = Staging.upperBound(head, tailSizes(st), objective);
            assertTrue(bound >= fitness - 1e-15, bound + " < " + fitness);
            double threshold = r.nextBoolean() ? fitness : objective.aggregate() == Objective.Aggregate.MIN
                    ? r.nextInt(21) / 20.0 : (2 * r.nextInt(21) / 20.0 + r.nextInt(21) / 20.0) / 3;
            if (Staging.prune(bound, threshold)) {
                pruned++;
                assertTrue(fitness < threshold, "pruned a candidate with fitness " + fitness + " >= " + threshold);
            }
            if (threshold == fitness) {
                assertFalse(Staging.prune(bound, threshold), "a candidate equal to the k-th best was pruned");
            }
        }
        assertTrue(pruned > 20, "the property was exercised: " + pruned + " pruned");
    }

    /**
     * Retention-normalized objectives keep the bound exact: each task's value is increasing in its score (also with no
     * gap: t2's base equals its reference), so the bound of a head whose tail is all right is the final fitness itself,
     * and no candidate that could reach the threshold is pruned.
     */
    @Test
    void retentionKeepsTheBoundExact() {
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        sources.put("base", Map.of("t1", 0.1, "t2", 0.5));
        sources.put("s", Map.of("t1", 0.9, "t2", 0.5));
        SplittableRandom r = new SplittableRandom(7);
        int pruned = 0;
        for (int trial = 0; trial < 200; trial++) {
            Objective spec = new Objective(WEIGHTS, false, trial % 2 == 0 ? Objective.Aggregate.MEAN
                    : Objective.Aggregate.MIN, Objective.Normalize.RETENTION, Map.of(), null);
            Objective objective = spec.withRetention(spec.retention(sources, "base", java.util.Set.of()));
            double p = r.nextDouble();
            long salt = r.nextLong();
            boolean tailRight = trial % 5 == 0;
            SearchSlice.Stages st = slice.stages(0.25);
            java.util.Set<String> tail = new java.util.HashSet<>();
            st.tail().tasks().forEach(t -> t.examples(SearchSlice.SLICE).forEach(x -> tail.add(x.fields().get("q").asText())));
            var model = GenSuite.model(q -> (tailRight && tail.contains(q))
                    || new SplittableRandom(q.hashCode() ^ salt).nextDouble() < p);
            SuiteResult head = score(model, st.head());
            double fitness = objective.scalar(Staging.combine(head, score(model, st.tail())));
            double bound = Staging.upperBound(head, tailSizes(st), objective);
            if (tailRight) {
                assertEquals(fitness, bound, 0, "the bound of a head whose tail is all right is its fitness");
            }
            assertTrue(bound >= fitness, bound + " < " + fitness);
            double threshold = r.nextBoolean() ? fitness : objective.scalar(Map.of("t1", r.nextInt(21) / 20.0,
                    "t2", r.nextInt(21) / 20.0));
            if (Staging.prune(bound, threshold)) {
                pruned++;
                assertTrue(fitness < threshold, "pruned a candidate with fitness " + fitness + " >= " + threshold);
            }
            if (threshold == fitness) {
                assertFalse(Staging.prune(bound, threshold), "a candidate equal to the k-th best was pruned");
            }
        }
        assertTrue(pruned > 5, "the property was exercised: " + pruned + " pruned");
    }

    @Test
    void perplexityTasksDisableStaging() {
        Suite toy = Suite.load(Path.of("eval-suites/examples/toy.yaml"));
        assertFalse(Staging.stageable(toy, Map.of("text", 1.0, "arith", 1.0)));
        assertTrue(Staging.stageable(toy, Map.of("arith", 1.0, "choice", 1.0)));
    }
}
