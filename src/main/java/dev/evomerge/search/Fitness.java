package dev.evomerge.search;

import java.util.Map;
import java.util.Objects;

/**
 * The result of evaluating a candidate on the search slice: per-task scores (higher is better; perplexities are
 * negated or otherwise oriented by the loop) and the weighted scalar the single-objective strategies maximize.
 *
 * @param tasks  per-task primary metric, in the suite's task order
 * @param scalar the weighted objective (maximized)
 */
public record Fitness(Map<String, Double> tasks, double scalar) {
    public Fitness {
        tasks = TaskScores.inOrder(tasks);
        if (Double.isNaN(scalar)) {
            throw new IllegalArgumentException("fitness must not be NaN");
        }
    }
}
