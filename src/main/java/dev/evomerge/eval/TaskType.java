package dev.evomerge.eval;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.List;

/** The three lm-evaluation-harness request families, by their suite names. */
public enum TaskType {
    GENERATE("generate", "generate_until", List.of("exact_match")),
    MULTIPLE_CHOICE("multiple_choice", "multiple_choice", List.of("acc", "acc_norm", "acc_norm_bytes")),
    PERPLEXITY("perplexity", "loglikelihood_rolling",
            List.of("token_perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"));

    private final String yamlName;
    private final String outputType;
    private final List<String> metrics;

    TaskType(String yamlName, String outputType, List<String> metrics) {
        this.yamlName = yamlName;
        this.outputType = outputType;
        this.metrics = metrics;
    }

    public String yamlName() {
        return yamlName;
    }

    /** lm-evaluation-harness's {@code output_type} for this request family. */
    public String outputType() {
        return outputType;
    }

    /**
     * lm-eval's aggregation name for a metric: perplexities are ratios of summed log-likelihoods to summed units
     * ({@code weighted_perplexity}, {@code bits_per_byte}); accuracies and exact match are means.
     */
    public String aggregation(String metric) {
        requireMetric(metric, "metric");
        if (metric.equals("bits_per_byte")) {
            return "bits_per_byte";
        }
        return this == PERPLEXITY ? "weighted_perplexity" : "mean";
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

    /** The type whose lm-eval {@code output_type} is {@code name}. */
    public static TaskType fromOutputType(String name) {
        return Arrays.stream(values()).filter(t -> t.outputType.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown output_type " + name));
    }
}
