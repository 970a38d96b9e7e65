package dev.evomerge.merge.methods;

/**
 * The values a merge parameter may take, an interval with open or closed ends (from the papers' definitions: a
 * density is a kept fraction, t an interpolation position). {@link #ANY} takes every finite number.
 *
 * @param lo       lower end ({@code -inf} for none)
 * @param loClosed whether {@code lo} itself is allowed
 * @param hi       upper end ({@code +inf} for none)
 * @param hiClosed whether {@code hi} itself is allowed
 */
public record Range(double lo, boolean loClosed, double hi, boolean hiClosed) {
    public static final Range ANY = new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);
    /** [0, 1]. */
    public static final Range UNIT = new Range(0, true, 1, true);
    /** (0, 1]: a fraction that keeps something. */
    public static final Range FRACTION = new Range(0, false, 1, true);
    /** [0, 1). */
    public static final Range UNIT_OPEN_ABOVE = new Range(0, true, 1, false);

    public Range {
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("A range needs lo <= hi, but was " + lo + ", " + hi);
        }
    }

    /** [lo, +inf). */
    public static Range atLeast(double lo) {
        return new Range(lo, true, Double.POSITIVE_INFINITY, false);
    }

    public boolean contains(double v) {
        return (loClosed ? v >= lo : v > lo) && (hiClosed ? v <= hi : v < hi);
    }

    /** In interval notation, e.g. {@code (0, 1]}. */
    @Override
    public String toString() {
        return (loClosed ? "[" : "(") + format(lo) + ", " + format(hi) + (hiClosed ? "]" : ")");
    }

    private static String format(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
