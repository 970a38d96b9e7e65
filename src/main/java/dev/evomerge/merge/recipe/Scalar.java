package dev.evomerge.merge.recipe;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A single parameter value: a number, a boolean or a piece of text. mergekit validates every parameter as a float
 * (booleans become 1.0 / 0.0); evomerge keeps booleans and text distinct so recipes read back as written, and offers
 * the mergekit view through {@link #asDouble()} and {@link #asBoolean()}.
 */
public sealed interface Scalar extends ParameterValue permits Scalar.Num, Scalar.Bool, Scalar.Text {

    /** The number mergekit would see: the value itself, or 1.0 / 0.0 for booleans. */
    double asDouble();

    /** Python truthiness, which is how mergekit methods read flags such as {@code normalize}: nonzero is true. */
    boolean asBoolean();

    @Override
    default Optional<Scalar> evaluate(String tensorName, double t) {
        return Optional.of(this);
    }

    static Num of(double value) {
        return new Num(value);
    }

    static Bool of(boolean value) {
        return new Bool(value);
    }

    static Text of(String value) {
        return new Text(value);
    }

    /** A finite number. */
    record Num(double value) implements Scalar {
        public Num {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a parameter value must be a finite number, but was " + value);
            }
        }

        @Override
        public double asDouble() {
            return value;
        }

        @Override
        public boolean asBoolean() {
            return value != 0.0;
        }
    }

    record Bool(boolean value) implements Scalar {
        @Override
        public double asDouble() {
            return value ? 1.0 : 0.0;
        }

        @Override
        public boolean asBoolean() {
            return value;
        }
    }

    /**
     * Text that reads back as text: not a number (the parser reads numeric text as a {@link Num}, as mergekit coerces
     * it to float), not a YAML 1.1 boolean word, not inf/nan; refusing those keeps {@code parse(emit(r)).equals(r)}.
     * No mergekit method takes text; it is kept for methods that may.
     */
    record Text(String value) implements Scalar {
        static final Pattern NUMBER = Pattern.compile("[-+]?(\\d[\\d_]*(\\.[\\d_]*)?|\\.\\d[\\d_]*)([eE][-+]?\\d+)?");
        static final Pattern TRUE_WORD = Pattern.compile("(?i)yes|on|true");
        static final Pattern FALSE_WORD = Pattern.compile("(?i)no|off|false");
        static final Pattern NON_FINITE_WORD = Pattern.compile("(?i)[-+]?\\.?(inf|infinity|nan)");

        public Text {
            Objects.requireNonNull(value, "value");
            String v = value.strip();
            if (NUMBER.matcher(v).matches() || NON_FINITE_WORD.matcher(v).matches()) {
                throw new IllegalArgumentException("text value '" + value + "' is a number; use Scalar.Num");
            }
            if (TRUE_WORD.matcher(v).matches() || FALSE_WORD.matcher(v).matches()) {
                throw new IllegalArgumentException("text value '" + value + "' is a boolean; use Scalar.Bool");
            }
        }

        @Override
        public double asDouble() {
            throw new IllegalStateException("text value '" + value + "' is not a number");
        }

        @Override
        public boolean asBoolean() {
            return !value.isEmpty();
        }
    }
}
