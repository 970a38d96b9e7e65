package dev.evomerge.merge.recipe;

import java.util.Map;
import java.util.Objects;

/**
 * One source of an output slice: layers {@code [start, end)} of {@code model}, and parameters for its tensors (the most
 * specific level of mergekit's precedence).
 */
public record SliceSource(ModelRef model, int start, int end, Map<String, ParameterValue> parameters) {
    public SliceSource {
        Objects.requireNonNull(model, "model");
        if (start < 0) {
            throw new IllegalArgumentException("layer_range start must be >= 0, but was " + start);
        }
        if (end <= start) {
            throw new IllegalArgumentException("layer_range end " + end + " must be greater than start " + start);
        }
        parameters = Parameters.copy(parameters);
    }

    public SliceSource(ModelRef model, int start, int end) {
        this(model, start, end, Map.of());
    }

    /** Number of layers this source contributes. */
    public int length() {
        return end - start;
    }
}
