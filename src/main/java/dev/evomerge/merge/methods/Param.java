package dev.evomerge.merge.methods;

import java.util.List;
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
 * @param choices      the words a {@link ParamType#CHOICE} takes, in index order (empty for other types)
 */
public record Param(String name, ParamType type, boolean required, double defaultValue, Range range,
                    List<String> choices) {
    public Param {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(range, "range");
        choices = List.copyOf(choices);
        if ((type == ParamType.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException("Parameter " + name + " must list choices exactly when it is a choice");
        }
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
        return new Param(name, ParamType.NUMBER, true, Double.NaN, range, List.of());
    }

    static Param number(String name, double defaultValue) {
        return number(name, defaultValue, Range.ANY);
    }

    static Param number(String name, double defaultValue, Range range) {
        return new Param(name, ParamType.NUMBER, false, defaultValue, range, List.of());
    }

    static Param flag(String name, boolean defaultValue) {
        return new Param(name, ParamType.BOOLEAN, false, defaultValue ? 1.0 : 0.0, Range.ANY, List.of());
    }

    /** A word out of {@code choices}, carried as its index; {@code defaultChoice} must be one of them. */
    static Param choice(String name, String defaultChoice, String... choices) {
        int index = List.of(choices).indexOf(defaultChoice);
        if (index < 0) {
            throw new IllegalArgumentException("Parameter " + name + " defaults to " + defaultChoice
                    + ", which is not one of " + List.of(choices));
        }
        return new Param(name, ParamType.CHOICE, false, index, new Range(0, true, choices.length - 1, true),
                List.of(choices));
    }

    /**
     * The number a recipe's word stands for (its index), or empty when {@code word} is none of the choices.
     * Only for {@link ParamType#CHOICE}.
     */
    public java.util.OptionalDouble encode(String word) {
        int i = choices.indexOf(word.strip());
        return i < 0 ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(i);
    }
}
