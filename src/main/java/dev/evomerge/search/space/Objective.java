package dev.evomerge.search.space;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a search maximizes: the weighted mean of per-task search-slice scores, {@code sum w_t s_t / sum w_t}, or the
 * worst task's score, {@code min_t s_t} (the scalar that per-task release gates care about: a gain on one task never
 * pays for a loss on another); and, for multi-objective strategies ({@code pareto}), the per-task scores themselves
 * as a vector in task order. Both scalars are nondecreasing in every score, which staged evaluation's bound needs.
 *
 * @param weights   task weights in task order, all positive (the worst-task aggregate ignores them)
 * @param pareto    whether the space asks for a Pareto front across the tasks (nsga2)
 * @param aggregate how per-task scores become one fitness
 */
public record Objective(Map<String, Double> weights, boolean pareto, Aggregate aggregate) {
    /** How per-task scores become one number. */
    public enum Aggregate {
        MEAN, MIN;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Objective(Map<String, Double> weights, boolean pareto) {
        this(weights, pareto, Aggregate.MEAN);
    }

    public Objective {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(aggregate, "aggregate");
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

    /** The fitness of {@code scores}, which must contain every task: weighted mean or worst task. */
    public double scalar(Map<String, Double> scores) {
        double sum = 0;
        double norm = 0;
        double min = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            Double s = scores.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("no score for objective task " + e.getKey() + " (scores: "
                        + scores.keySet() + ")");
            }
            sum += e.getValue() * s;
            norm += e.getValue();
            min = Math.min(min, s);
        }
        return aggregate == Aggregate.MIN ? min : sum / norm;
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
