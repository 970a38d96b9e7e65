package dev.evomerge.eval;

import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task of a suite: its examples per named slice, the few-shot demonstrations (kept apart from every slice),
 * the scored metric and its weight in the aggregate.
 */
public record Task(String name, TaskFormat format, String metric, double weight, List<Example> fewshot,
        String fewshotSeparator, Map<String, List<Example>> slices) {
    public Task {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(fewshotSeparator, "fewshotSeparator");
        format.type().requireMetric(metric, "task '" + name + "'");
        if (!(weight >= 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and >= 0, but was " + weight);
        }
        fewshot = List.copyOf(fewshot);
        Map<String, List<Example>> copy = new LinkedHashMap<>();
        slices.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        slices = Collections.unmodifiableMap(copy);
    }

    public TaskType type() {
        return format.type();
    }

    /** The slice's examples in file order; an absent or empty slice is a user error. */
    public List<Example> examples(String slice) {
        List<Example> xs = slices.get(slice);
        if (xs == null || xs.isEmpty()) {
            throw new UserError("task '" + name + "' has no examples in slice '" + slice + "'");
        }
        return xs;
    }

    /** The prompt the model sees: the few-shot demonstrations, then the example's own prompt. */
    public String context(Example e) {
        Template prompt = switch (format) {
            case TaskFormat.Generate g -> g.prompt();
            case TaskFormat.MultipleChoice m -> m.prompt();
            case TaskFormat.Perplexity p -> throw new UnsupportedOperationException("perplexity tasks have no prompt");
        };
        List<String> parts = new ArrayList<>();
        for (Example d : fewshot) {
            parts.add(format.demonstration(d, name));
        }
        parts.add(prompt.render(e, "task '" + name + "' prompt"));
        return String.join(fewshotSeparator, parts);
    }
}
