package dev.evomerge.eval;

import dev.evomerge.UserError;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-task scores of one model on one slice of one suite. {@code limit} is 0 when every example was scored.
 * The identity (model hash, suite hash, slice, limit) is also the cache key.
 */
public record SuiteResult(String suite, String suiteHash, String modelHash, String slice, int limit,
        List<TaskResult> tasks) {
    public SuiteResult {
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(suiteHash, "suiteHash");
        Objects.requireNonNull(modelHash, "modelHash");
        Objects.requireNonNull(slice, "slice");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, but was " + limit);
        }
        tasks = List.copyOf(tasks);
    }

    public Optional<TaskResult> find(String task) {
        return tasks.stream().filter(t -> t.task().equals(task)).findFirst();
    }

    public TaskResult task(String task) {
        return find(task).orElseThrow(() -> new UserError("the results for suite '" + suite + "' have no task '"
                + task + "'"));
    }

    /**
     * Weight-averaged primary metric over the higher-is-better tasks (perplexity tasks have no common scale with
     * accuracies and are left out). For ranking only: gates always look at every task separately.
     */
    public double weightedScore() {
        double sum = 0;
        double weights = 0;
        for (TaskResult t : tasks) {
            if (t.primary().higherIsBetter()) {
                sum += t.weight() * t.primary().value();
                weights += t.weight();
            }
        }
        return weights == 0 ? Double.NaN : sum / weights;
    }
}
