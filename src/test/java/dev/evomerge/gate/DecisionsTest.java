package dev.evomerge.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import dev.evomerge.eval.MetricValue;
import dev.evomerge.eval.Stats;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.eval.TaskResult;
import dev.evomerge.eval.TaskType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecisionsTest {
    private static final double EPS = 1e-12;

    /** A result with one generate task "t" scoring k/n, and one perplexity task "p" with the given value. */
    static SuiteResult scores(long k, long n, double ppl) {
        Stats.Interval ci = Stats.wilson(k, n, Stats.Z95);
        MetricValue em = new MetricValue((double) k / n, Stats.binaryStderr(k, n), ci.low(), ci.high(), "wilson",
                true);
        MetricValue pp = new MetricValue(ppl, 1.0, ppl - 2, ppl + 2, "log-normal", false);
        return new SuiteResult("s", "sh", "mh", "heldout", 0, List.of(
                new TaskResult("t", TaskType.GENERATE, "exact_match", 1, 0, (int) n, (int) n, Map.of("exact_match",
                        em)),
                new TaskResult("p", TaskType.PERPLEXITY, "token_perplexity", 1, 0, 3, 3,
                        Map.of("token_perplexity", pp))));
    }

    private static Gate.Metric gate(Gate.Kind kind, double value, String source, boolean confidence) {
        return new Gate.Metric(1, "t", "exact_match", true, kind, value, source, confidence);
    }

    private static Gate.Metric pplGate(Gate.Kind kind, double value, String source, boolean confidence) {
        return new Gate.Metric(2, "p", "token_perplexity", false, kind, value, source, confidence);
    }

    @Test
    void minPassesAtExactEqualityAndFailsJustBelow() {
        GateResult eq = Decisions.decide(gate(Gate.Kind.MIN, 0.5, null, false), scores(2, 4, 10), null);
        assertEquals(GateResult.Status.PASS, eq.status());
        assertEquals(0.0, eq.margin(), 0.0);
        GateResult below = Decisions.decide(gate(Gate.Kind.MIN, 0.5, null, false), scores(49_999, 100_000, 10), null);
        assertEquals(GateResult.Status.FAIL, below.status());
        assertEquals(-1e-5, below.margin(), EPS);
    }

    @Test
    void relativeThresholdAtEqualityPassesDespiteFloatRounding() {
        // 0.9 * 7/9 is 0.7000000000000001 in binary; the candidate's 7/10 = 0.7 is exactly that score.
        assertEquals(0.7000000000000001, 0.9 * (7.0 / 9));
        Gate.Metric g = gate(Gate.Kind.MIN_RELATIVE, 0.9, "math", false);
        GateResult r = Decisions.decide(g, scores(7, 10, 10), scores(7, 9, 10));
        assertEquals(GateResult.Status.PASS, r.status());
        assertEquals(0.9 * (7.0 / 9), r.threshold(), 0.0);
        assertEquals(GateResult.Status.FAIL, Decisions.decide(g, scores(6, 10, 10), scores(7, 9, 10)).status());
        // 1e-6 below the threshold is a real shortfall, not rounding.
        assertEquals(GateResult.Status.FAIL, Decisions.decide(gate(Gate.Kind.MIN, 0.7 + 1e-6, null, false),
                scores(7, 10, 10), null).status());
        assertEquals("math exact_match = 0.7778", r.note());
    }

    @Test
    void confidenceModeGatesOnTheLowerBound() {
        // 8/10 = 0.8 passes min 0.6 on the point estimate, but its Wilson lower bound is 0.4902.
        Gate.Metric point = gate(Gate.Kind.MIN, 0.6, null, false);
        Gate.Metric conf = gate(Gate.Kind.MIN, 0.6, null, true);
        assertEquals(GateResult.Status.PASS, Decisions.decide(point, scores(8, 10, 10), null).status());
        GateResult r = Decisions.decide(conf, scores(8, 10, 10), null);
        assertEquals(GateResult.Status.FAIL, r.status());
        assertEquals(Stats.wilson(8, 10, Stats.Z95).low(), r.measured(), EPS);
        assertEquals(0.8, r.point(), EPS);
        // Exact equality with the bound still passes.
        Gate.Metric atBound = gate(Gate.Kind.MIN, Stats.wilson(8, 10, Stats.Z95).low(), null, true);
        assertEquals(GateResult.Status.PASS, Decisions.decide(atBound, scores(8, 10, 10), null).status());
    }

    @Test
    void perplexityCeilingUsesTheUpperBoundInConfidenceMode() {
        // Point 10 with interval [8, 12].
        assertEquals(GateResult.Status.PASS, Decisions.decide(pplGate(Gate.Kind.MAX, 10, null, false),
                scores(1, 2, 10), null).status());
        GateResult conf = Decisions.decide(pplGate(Gate.Kind.MAX, 11, null, true), scores(1, 2, 10), null);
        assertEquals(GateResult.Status.FAIL, conf.status());
        assertEquals(12, conf.measured(), EPS);
        assertEquals(-1, conf.margin(), EPS);
        assertEquals(GateResult.Status.PASS, Decisions.decide(pplGate(Gate.Kind.MAX, 12, null, true),
                scores(1, 2, 10), null).status());
    }

    @Test
    void maxDropIsMeasuredInTheBadDirection() {
        Gate.Metric acc = gate(Gate.Kind.MAX_DROP, 0.25, "base", false);
        // Base 0.75, candidate 0.5: a drop of exactly 0.25 passes; 0.25 from 1/4 is too much.
        GateResult r = Decisions.decide(acc, scores(2, 4, 10), scores(3, 4, 10));
        assertEquals(GateResult.Status.PASS, r.status());
        assertEquals(0.5, r.threshold(), EPS);
        assertEquals(GateResult.Status.FAIL, Decisions.decide(acc, scores(1, 4, 10), scores(3, 4, 10)).status());
        // Perplexity: a rise of more than max_drop fails.
        Gate.Metric ppl = pplGate(Gate.Kind.MAX_DROP, 1.5, "base", false);
        assertEquals(GateResult.Status.PASS, Decisions.decide(ppl, scores(1, 2, 11.5), scores(1, 2, 10)).status());
        GateResult worse = Decisions.decide(ppl, scores(1, 2, 12), scores(1, 2, 10));
        assertEquals(GateResult.Status.FAIL, worse.status());
        assertEquals(-0.5, worse.margin(), EPS);
    }

    @Test
    void maxRelativeForLowerIsBetter() {
        Gate.Metric g = pplGate(Gate.Kind.MAX_RELATIVE, 1.1, "code", false);
        assertEquals(GateResult.Status.PASS, Decisions.decide(g, scores(1, 2, 11), scores(1, 2, 10)).status());
        assertEquals(GateResult.Status.FAIL, Decisions.decide(g, scores(1, 2, 11.01), scores(1, 2, 10)).status());
    }

    @Test
    void l2DistanceAbsoluteAndRelative() {
        WeightDistance.Measurement m = new WeightDistance.Measurement(3, 60);
        assertEquals(GateResult.Status.PASS, Decisions.decide(new Gate.Distance(1, 3, false), m).status());
        assertEquals(GateResult.Status.FAIL, Decisions.decide(new Gate.Distance(1, 2.9, false), m).status());
        GateResult rel = Decisions.decide(new Gate.Distance(1, 0.05, true), m);
        assertEquals(GateResult.Status.PASS, rel.status());
        assertEquals(0.05, rel.measured(), EPS);
        assertEquals(GateResult.Status.FAIL, Decisions.decide(new Gate.Distance(1, 0.04, true), m).status());
        assertThrows(UserError.class, () -> Decisions.decide(new Gate.Distance(1, 0.05, true),
                new WeightDistance.Measurement(1, 0)));
    }

    @Test
    void describeSaysWhatIsCompared() {
        assertEquals("t exact_match >= 0.9500 x math", gate(Gate.Kind.MIN_RELATIVE, 0.95, "math", false).describe());
        assertEquals("t exact_match (95% bound) >= base - 0.0200",
                gate(Gate.Kind.MAX_DROP, 0.02, "base", true).describe());
        assertEquals("p token_perplexity <= 30.0000", pplGate(Gate.Kind.MAX, 30, null, false).describe());
        assertEquals("l2_distance / ||base|| <= 0.1000", new Gate.Distance(3, 0.1, true).describe());
    }
}
