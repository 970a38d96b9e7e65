package dev.evomerge.merge.recipe;

import java.util.Map;
import java.util.Objects;

/** One entry of a recipe's {@code models:} list: a whole model and the parameters that apply to its tensors. */
public record ModelEntry(ModelRef model, Map<String, ParameterValue> parameters) {
    public ModelEntry {
        Objects.requireNonNull(model, "model");
        parameters = Parameters.copy(parameters);
    }

    public ModelEntry(ModelRef model) {
        this(model, Map.of());
    }
}
