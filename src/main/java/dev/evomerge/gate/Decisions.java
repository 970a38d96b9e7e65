package dev.evomerge.gate;

import dev.evomerge.UserError;
import dev.evomerge.eval.MetricValue;
import dev.evomerge.eval.ResultTable;
import dev.evomerge.eval.SuiteResult;

/** Gate decisions as pure functions of scores and measurements. */
public final class Decisions {
    /**
     * Values this close to the threshold count as equal: relative thresholds are float products (0.9 × 7/9 is
     * 0.7000000000000001 in binary), and a score of exactly 7/10 must pass a 0.9 × 7/9 gate. No count-based
     * score on fewer than 10⁹ examples comes that close to a threshold without being equal to it.
     */
    public static final double TOLERANCE = 1e-9;

    private Decisions() {}

    /** Decides a metric gate; {@code reference} is the source's (or base's) scores, null for min and max gates. */
    public static GateResult decide(Gate.Metric g, SuiteResult candidate, SuiteResult reference) {
        MetricValue c = candidate.task(g.task()).metric(g.metric());
        double refValue = Double.NaN;
        String note = "";
        if (g.source() != null) {
            if (reference == null) {
                throw new IllegalArgumentException("gate #" + g.index() + " needs the scores of '" + g.source() + "'");
            }
            refValue = reference.task(g.task()).metric(g.metric()).value();
            note = g.source() + " " + g.metric() + " = " + ResultTable.fmt(refValue);
        }
        double measured = g.confidence() ? c.pessimistic() : c.value();
        double threshold = g.threshold(refValue);
        return compare(g, measured, c.value(), threshold, g.atLeast(), note);
    }

    /** Decides the L2 ceiling; relative mode divides by ‖base‖. */
    public static GateResult decide(Gate.Distance g, WeightDistance.Measurement m) {
        double measured = m.distance();
        String note = "||candidate - base|| = " + ResultTable.fmt(m.distance());
        if (g.relative()) {
            if (m.baseNorm() == 0) {
                throw new UserError("gate #" + g.index() + ": the base weights have zero norm, so a relative L2 "
                        + "distance is undefined; use an absolute one");
            }
            measured = m.distance() / m.baseNorm();
            note += ", ||base|| = " + ResultTable.fmt(m.baseNorm());
        }
        return compare(g, measured, measured, g.max(), false, note);
    }

    public static GateResult skipped(Gate g, String why) {
        return new GateResult(g, GateResult.Status.SKIPPED, Double.NaN, Double.NaN, Double.NaN, Double.NaN, why);
    }

    private static GateResult compare(Gate g, double measured, double point, double threshold, boolean atLeast,
            String note) {
        double margin = atLeast ? measured - threshold : threshold - measured;
        boolean pass = margin >= -TOLERANCE * Math.max(1, Math.abs(threshold));
        if (Double.isNaN(margin)) {
            pass = false;
        }
        return new GateResult(g, pass ? GateResult.Status.PASS : GateResult.Status.FAIL, measured, point, threshold,
                margin, note);
    }
}
