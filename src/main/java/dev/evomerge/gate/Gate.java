package dev.evomerge.gate;

import dev.evomerge.eval.ResultTable;
import java.util.Objects;

/** One release gate; {@code index} is its 1-based position in the gate file, used in every message. */
public sealed interface Gate {

    int index();

    /** What is compared, how: the form used in reports, e.g. "arith exact_match >= 0.95 x math". */
    String describe();

    enum Kind {
        /** measured >= threshold. */
        MIN("min"),
        /** measured <= threshold (a ceiling, e.g. perplexity). */
        MAX("max"),
        /** measured >= ratio × the source's score. */
        MIN_RELATIVE("min_relative"),
        /** measured <= ratio × the source's score (lower-is-better metrics). */
        MAX_RELATIVE("max_relative"),
        /** at most this much worse than the base, in the metric's own units. */
        MAX_DROP("max_drop");

        public final String key;

        Kind(String key) {
            this.key = key;
        }
    }

    /**
     * A per-task metric gate. {@code source} names the reference model for the relative kinds and is "base" for
     * max_drop. With {@code confidence}, the candidate's measured value is its 95% interval's pessimistic end
     * (lower bound when higher is better, upper bound otherwise); references are always point estimates.
     */
    record Metric(int index, String task, String metric, boolean higherIsBetter, Kind kind, double value,
            String source, boolean confidence) implements Gate {
        public Metric {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(metric, "metric");
            Objects.requireNonNull(kind, "kind");
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(kind.key + " must be finite, but was " + value);
            }
            boolean needsSource = kind == Kind.MIN_RELATIVE || kind == Kind.MAX_RELATIVE || kind == Kind.MAX_DROP;
            if (needsSource != (source != null)) {
                throw new IllegalArgumentException(kind.key + (needsSource ? " needs" : " takes no") + " source");
            }
            if ((kind == Kind.MIN_RELATIVE || kind == Kind.MAX_RELATIVE) && !(value > 0)) {
                throw new IllegalArgumentException(kind.key + " must be > 0, but was " + value);
            }
            if (kind == Kind.MAX_DROP && value < 0) {
                throw new IllegalArgumentException("max_drop must be >= 0, but was " + value);
            }
        }

        /** Whether the comparison is measured >= threshold (else measured <= threshold). */
        public boolean atLeast() {
            return switch (kind) {
                case MIN, MIN_RELATIVE -> true;
                case MAX, MAX_RELATIVE -> false;
                case MAX_DROP -> higherIsBetter;
            };
        }

        /** The threshold given the reference's point estimate (ignored for min and max). */
        public double threshold(double reference) {
            return switch (kind) {
                case MIN, MAX -> value;
                case MIN_RELATIVE, MAX_RELATIVE -> value * reference;
                case MAX_DROP -> higherIsBetter ? reference - value : reference + value;
            };
        }

        @Override
        public String describe() {
            String op = atLeast() ? ">= " : "<= ";
            String rhs = switch (kind) {
                case MIN, MAX -> fmt(value);
                case MIN_RELATIVE, MAX_RELATIVE -> fmt(value) + " x " + source;
                case MAX_DROP -> source + (higherIsBetter ? " - " : " + ") + fmt(value);
            };
            return task + " " + metric + (confidence ? " (95% bound)" : "") + " " + op + rhs;
        }
    }

    /** Ceiling on the weights' L2 distance from the base, absolute or relative to ‖base‖. */
    record Distance(int index, double max, boolean relative) implements Gate {
        public Distance {
            if (!(max >= 0) || !Double.isFinite(max)) {
                throw new IllegalArgumentException("l2_distance max must be finite and >= 0, but was " + max);
            }
        }

        @Override
        public String describe() {
            return "l2_distance" + (relative ? " / ||base||" : "") + " <= " + fmt(max);
        }
    }

    static String fmt(double v) {
        return ResultTable.fmt(v);
    }
}
