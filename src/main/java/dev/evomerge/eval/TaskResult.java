package dev.evomerge.eval;

import dev.evomerge.UserError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Scores of one task on one slice. {@code available} is the slice's size, {@code evaluated} how many were scored
 * (fewer under a limit). {@code metrics} keeps the task type's metric order.
 */
public record TaskResult(String task, TaskType type, String primaryMetric, double weight, int fewshot, int available,
        int evaluated, Map<String, MetricValue> metrics) {
    public TaskResult {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(type, "type");
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (!metrics.containsKey(primaryMetric)) {
            throw new IllegalArgumentException("primary metric " + primaryMetric + " is not among " + metrics.keySet());
        }
        if (evaluated < 1 || evaluated > available) {
            throw new IllegalArgumentException("evaluated must be in [1, " + available + "], but was " + evaluated);
        }
    }

    public MetricValue metric(String name) {
        MetricValue v = metrics.get(name);
        if (v == null) {
            throw new UserError("task '" + task + "' has no metric '" + name + "' (known: "
                    + String.join(", ", metrics.keySet()) + ")");
        }
        return v;
    }

    public MetricValue primary() {
        return metrics.get(primaryMetric);
    }
}
