package dev.evomerge.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Per-task score maps as the run keeps them. */
final class TaskScores {
    private TaskScores() {
    }

    /**
     * An unmodifiable copy that iterates in {@code scores}' order (the suite's task order). Not {@code Map.copyOf}:
     * its iteration order is salted per JVM, so journals, finish.json and tables written from it would differ from
     * run to run for the same seed.
     */
    static Map<String, Double> inOrder(Map<String, Double> scores) {
        Objects.requireNonNull(scores, "scores");
        Map<String, Double> copy = new LinkedHashMap<>();
        scores.forEach((task, v) -> copy.put(Objects.requireNonNull(task, "task"), Objects.requireNonNull(v, task)));
        return Collections.unmodifiableMap(copy);
    }
}
