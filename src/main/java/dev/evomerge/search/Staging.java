package dev.evomerge.search;

import dev.evomerge.eval.MetricValue;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.eval.Task;
import dev.evomerge.eval.TaskResult;
import dev.evomerge.eval.TaskType;
import dev.evomerge.search.space.Objective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fitness from suite results, and the exact bound behind staged evaluation. A task's score is its primary metric,
 * negated when lower is better (perplexity), so every score is maximized; the scalar is the objective's weighted mean
 * {@code sum w_t s_t / sum w_t}. For a proportion metric (accuracy, exact match: k correct of n) scored on the first
 * n_a examples, the best the full slice can still give is (k_a + n_b) / (n_a + n_b), every remaining example right;
 * the scalar is nondecreasing in each score, so plugging those in bounds the final fitness from above.
 */
final class Staging {
    /** Slack below the bound before pruning: the scalar is a sum of doubles, so equal values may differ by ulps. */
    static final double EPS = 1e-12;

    private Staging() {
    }

    /** Whether {@code suite} can be staged: every weighted task's primary metric is a count proportion. */
    public static boolean stageable(Suite suite, Map<String, Double> weights) {
        for (Task t : suite.tasks()) {
            if (weights.getOrDefault(t.name(), 0.0) > 0 && t.type() == TaskType.PERPLEXITY) {
                return false;
            }
        }
        return true;
    }

    /** Per-task scores (higher is better) in the result's task order. */
    public static Map<String, Double> scores(SuiteResult r) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (TaskResult t : r.tasks()) {
            MetricValue m = t.primary();
            out.put(t.task(), m.higherIsBetter() ? m.value() : -m.value());
        }
        return out;
    }

    private static long correct(TaskResult t) {
        return Math.round(t.primary().value() * t.evaluated());
    }

    /**
     * The highest fitness the whole slice can still reach after {@code head}, given {@code tailSizes} examples left
     * per task (absent: none left).
     */
    public static double upperBound(SuiteResult head, Map<String, Integer> tailSizes, Objective objective) {
        Map<String, Double> best = new LinkedHashMap<>();
        for (TaskResult t : head.tasks()) {
            int nb = tailSizes.getOrDefault(t.task(), 0);
            best.put(t.task(), (double) (correct(t) + nb) / (t.evaluated() + nb));
        }
        return objective.scalar(best);
    }

    /** Per-task scores over head and tail together (proportions: pooled counts, so exactly the one-pass value). */
    public static Map<String, Double> combine(SuiteResult head, SuiteResult tail) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (TaskResult h : head.tasks()) {
            TaskResult t = tail == null ? null : tail.find(h.task()).orElse(null);
            if (t == null) {
                out.put(h.task(), h.primary().value());
            } else {
                out.put(h.task(), (double) (correct(h) + correct(t)) / (h.evaluated() + t.evaluated()));
            }
        }
        return out;
    }

    /** Whether a candidate whose best reachable fitness is {@code bound} cannot beat {@code threshold}. */
    public static boolean prune(double bound, double threshold) {
        return bound < threshold - EPS;
    }
}
