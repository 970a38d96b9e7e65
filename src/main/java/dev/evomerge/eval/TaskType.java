package dev.evomerge.eval;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.List;

/** The three lm-evaluation-harness request families, by their suite names. */
public enum TaskType {
    GENERATE("generate", List.of("exact_match")),
    MULTIPLE_CHOICE("multiple_choice", List.of("acc", "acc_norm", "acc_norm_bytes")),
    PERPLEXITY("perplexity", List.of("token_perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"));

    private final String yamlName;
    private final List<String> metrics;

    TaskType(String yamlName, List<String> metrics) {
        this.yamlName = yamlName;
        this.metrics = metrics;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The metrics this type reports, the default (primary) one first. */
    public List<String> metrics() {
        return metrics;
    }

    /** Perplexities and bits per byte: lower is better; accuracies: higher is better. */
    public boolean higherIsBetter(String metric) {
        requireMetric(metric, "metric");
        return this != PERPLEXITY;
    }

    /** Refuses a metric this type does not compute; {@code where} names the suite/gate place. */
    public String requireMetric(String metric, String where) {
        if (!metrics.contains(metric)) {
            throw new UserError(where + ": unknown metric '" + metric + "' for a " + yamlName + " task (known: "
                    + String.join(", ", metrics) + ")");
        }
        return metric;
    }

    public static TaskType parse(String name, String where) {
        return Arrays.stream(values()).filter(t -> t.yamlName.equals(name)).findFirst()
                .orElseThrow(() -> new UserError(where + ": unknown task type '" + name
                        + "' (known: generate, multiple_choice, perplexity)"));
    }

    public static TaskType fromYamlName(String name) {
        return Arrays.stream(values()).filter(t -> t.yamlName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown task type " + name));
    }
}
