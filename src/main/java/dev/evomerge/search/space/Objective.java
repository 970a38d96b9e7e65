package dev.evomerge.search.space;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a search maximizes: the weighted mean of per-task search-slice scores, {@code sum w_t s_t / sum w_t}, and, for
 * multi-objective strategies ({@code pareto}), the per-task scores themselves as a vector in task order.
 *
 * @param weights task weights in task order, all positive
 * @param pareto  whether the space asks for a Pareto front across the tasks (nsga2)
 */
public record Objective(Map<String, Double> weights, boolean pareto) {
    public Objective {
        Objects.requireNonNull(weights, "weights");
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("an objective needs at least one task");
        }
        weights.forEach((task, w) -> {
            if (!(w > 0 && Double.isFinite(w))) {
                throw new IllegalArgumentException("weight of task " + task + " must be a positive number, but was " + w);
            }
        });
        weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** The task names, in order: the order of fitness vectors. */
    public List<String> tasks() {
        return List.copyOf(weights.keySet());
    }

    /** The weighted mean of {@code scores}, which must contain every task. */
    public double scalar(Map<String, Double> scores) {
        double sum = 0;
        double norm = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            Double s = scores.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("no score for task " + e.getKey() + " (scores: " + scores.keySet() + ")");
            }
            sum += e.getValue() * s;
            norm += e.getValue();
        }
        return sum / norm;
    }

    /** Per-task scores in task order. */
    public double[] vector(Map<String, Double> scores) {
        return tasks().stream().mapToDouble(t -> {
            Double s = scores.get(t);
            if (s == null) {
                throw new IllegalArgumentException("no score for task " + t + " (scores: " + scores.keySet() + ")");
            }
            return s;
        }).toArray();
    }
}
