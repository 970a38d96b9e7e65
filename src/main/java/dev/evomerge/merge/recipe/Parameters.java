package dev.evomerge.merge.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Copies parameter maps: insertion order kept (emitted YAML reads as written), unmodifiable, names non-blank. */
final class Parameters {
    private Parameters() {
    }

    static Map<String, ParameterValue> copy(Map<String, ParameterValue> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return Map.of();
        }
        Map<String, ParameterValue> copy = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            Objects.requireNonNull(name, "parameter name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a parameter name must not be blank");
            }
            copy.put(name, Objects.requireNonNull(value, () -> "value of parameter " + name));
        });
        return Collections.unmodifiableMap(copy);
    }
}
