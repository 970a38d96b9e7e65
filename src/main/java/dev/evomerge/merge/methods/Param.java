package dev.evomerge.merge.methods;

import java.util.Objects;

/**
 * One parameter a merge method accepts, as mergekit's {@code ConfigParameterDef} declares it, with the values a
 * recipe may give it.
 *
 * @param name         the YAML key, e.g. {@code density}
 * @param type         how the resolved number is read
 * @param required     whether a recipe must give it (then {@code defaultValue} is unused and NaN)
 * @param defaultValue the value used when the recipe leaves it out (booleans as 1.0 / 0.0)
 * @param range        the values the engine's preflight accepts ({@link Range#ANY} for every finite number)
 */
public record Param(String name, ParamType type, boolean required, double defaultValue, Range range) {
    public Param {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(range, "range");
        if (name.isBlank()) {
            throw new IllegalArgumentException("Parameter name must not be blank");
        }
        if (required != Double.isNaN(defaultValue)) {
            throw new IllegalArgumentException("Parameter " + name + " must have a default exactly when it is optional,"
                    + " but was required=" + required + " with default " + defaultValue);
        }
        if (!required && !range.contains(defaultValue)) {
            throw new IllegalArgumentException("Parameter " + name + " has default " + defaultValue
                    + " outside its range " + range);
        }
    }

    static Param required(String name) {
        return required(name, Range.ANY);
    }

    static Param required(String name, Range range) {
        return new Param(name, ParamType.NUMBER, true, Double.NaN, range);
    }

    static Param number(String name, double defaultValue) {
        return number(name, defaultValue, Range.ANY);
    }

    static Param number(String name, double defaultValue, Range range) {
        return new Param(name, ParamType.NUMBER, false, defaultValue, range);
    }

    static Param flag(String name, boolean defaultValue) {
        return new Param(name, ParamType.BOOLEAN, false, defaultValue ? 1.0 : 0.0, Range.ANY);
    }
}
