package dev.evomerge.search.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Retention normalization on golden values computed by hand: a perplexity task (raw scores are negated perplexities,
 * compared as -ln ppl) and an accuracy task in one objective.
 */
class ObjectiveRetentionTest {
    static final Map<String, Double> WEIGHTS = ordered("ppl", 1.0, "acc", 1.0);

    /** Base: ppl 40, acc 0.25. Source a: ppl 10, acc 0.25. Source b: ppl 45, acc 0.75. */
    static Map<String, Map<String, Double>> sources() {
        Map<String, Map<String, Double>> s = new LinkedHashMap<>();
        s.put("base", ordered("ppl", -40.0, "acc", 0.25));
        s.put("a", ordered("ppl", -10.0, "acc", 0.25));
        s.put("b", ordered("ppl", -45.0, "acc", 0.75));
        return s;
    }

    static Objective objective(Objective.Aggregate aggregate, Map<String, String> references) {
        Objective spec = new Objective(WEIGHTS, false, aggregate, Objective.Normalize.RETENTION, references, null);
        return spec.withRetention(spec.retention(sources(), "base", Set.of("ppl")));
    }

    @Test
    void perplexityAndAccuracyInOneObjective() {
        Objective mean = objective(Objective.Aggregate.MEAN, Map.of());
        // References: the best source per task, a for ppl (10 < 45), b for acc (0.75 > 0.25).
        assertEquals("a", mean.retention().tasks().get("ppl").reference());
        assertEquals("b", mean.retention().tasks().get("acc").reference());
        Map<String, Double> candidate = ordered("ppl", -20.0, "acc", 0.625);
        // ppl: (ln 40 - ln 20) / (ln 40 - ln 10) = ln 2 / ln 4 = 1/2; acc: (0.625 - 0.25) / (0.75 - 0.25) = 3/4.
        Map<String, Double> v = mean.values(candidate);
        assertEquals(0.5, v.get("ppl"), 1e-15);
        assertEquals(0.75, v.get("acc"), 1e-15);
        assertEquals(0.625, mean.scalar(candidate), 1e-15);
        assertEquals(0.5, objective(Objective.Aggregate.MIN, Map.of()).scalar(candidate), 1e-15);
        // The raw mean the issue measured: the perplexity drowns the accuracy.
        assertEquals((-20 + 0.625) / 2, mean.raw().scalar(candidate), 1e-15);
        // 0 is the base, 1 each task's reference.
        assertEquals(0.0, mean.scalar(sources().get("base")), 1e-15);
        assertEquals(1.0, mean.values(sources().get("a")).get("ppl"), 1e-15);
        assertEquals(1.0, mean.values(sources().get("b")).get("acc"), 1e-15);
        // Worse than the base is negative: ppl 80 is ln 2 / ln 4 below it.
        assertEquals(-0.5, mean.values(ordered("ppl", -80.0, "acc", 0.25)).get("ppl"), 1e-15);
    }

    @Test
    void baseEqualToReferenceHasNoGap() {
        // Naming a as acc's reference: a's acc equals the base's, no gap: 1 + (s - 0.25).
        Objective o = objective(Objective.Aggregate.MEAN, Map.of("acc", "a"));
        assertEquals("a", o.retention().tasks().get("acc").reference());
        assertEquals(1.0, o.values(ordered("ppl", -40.0, "acc", 0.25)).get("acc"), 0);
        assertEquals(1.375, o.values(ordered("ppl", -40.0, "acc", 0.625)).get("acc"), 1e-15);
        assertEquals(0.875, o.values(ordered("ppl", -40.0, "acc", 0.125)).get("acc"), 1e-15);
        // A reference worse than the base counts from the base: b's ppl 45 is worse than the base's 40.
        Objective worse = objective(Objective.Aggregate.MEAN, Map.of("ppl", "b"));
        assertEquals(1.0, worse.values(ordered("ppl", -40.0, "acc", 0.25)).get("ppl"), 1e-15);
        assertEquals(1 + Math.log(2), worse.values(ordered("ppl", -20.0, "acc", 0.25)).get("ppl"), 1e-15);
        for (double s = 0; s <= 1; s += 0.125) {  // continuous and increasing
            assertTrue(o.values(ordered("ppl", -40.0, "acc", s + 0.125)).get("acc")
                    > o.values(ordered("ppl", -40.0, "acc", s)).get("acc"));
        }
    }

    @Test
    void normalizesByDefaultOnlyWhenTasksDiffer() {
        Objective auto = new Objective(WEIGHTS, false, Objective.Aggregate.MEAN, Objective.Normalize.AUTO, Map.of(),
                null);
        assertTrue(auto.normalizes(Map.of("ppl", "token_perplexity", "acc", "acc"),
                Map.of("ppl", false, "acc", true)));
        assertTrue(auto.normalizes(Map.of("ppl", "exact_match", "acc", "acc"), Map.of("ppl", true, "acc", true)));
        assertFalse(auto.normalizes(Map.of("ppl", "acc", "acc", "acc"), Map.of("ppl", true, "acc", true)));
        assertFalse(auto.resolved());
        assertThrows(IllegalStateException.class, () -> auto.scalar(sources().get("a")));
        Objective none = new Objective(WEIGHTS, false, Objective.Aggregate.MEAN, Objective.Normalize.NONE, Map.of(),
                null);
        assertFalse(none.normalizes(Map.of("ppl", "token_perplexity", "acc", "acc"),
                Map.of("ppl", false, "acc", true)));
    }

    @Test
    void missingBaseOrReferenceIsAUserError() {
        Objective spec = new Objective(WEIGHTS, false, Objective.Aggregate.MEAN, Objective.Normalize.RETENTION,
                Map.of(), null);
        Map<String, Map<String, Double>> noBase = sources();
        noBase.remove("base");
        UserError e = assertThrows(UserError.class, () -> spec.retention(noBase, "base", Set.of("ppl")));
        assertTrue(e.getMessage().contains("no base"), e.getMessage());
        Map<String, Map<String, Double>> onlyBase = Map.of("base", sources().get("base"));
        assertThrows(UserError.class, () -> spec.retention(onlyBase, "base", Set.of("ppl")));
    }

    static Map<String, Double> ordered(String k1, double v1, String k2, double v2) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }
}
