package dev.evomerge.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis ticks at "nice" steps (1, 2 or 5 times a power of ten) covering a data range, and the labels to print at them
 * with just enough decimals to tell neighbours apart.
 *
 * @param lo   first tick, at or below the data minimum
 * @param hi   last tick, at or above the data maximum
 * @param step distance between ticks
 */
record Ticks(double lo, double hi, double step) {
    Ticks {
        if (!(step > 0) || !(hi >= lo) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("ticks need finite lo <= hi and step > 0, but were " + lo + ", " + hi
                    + ", " + step);
        }
    }

    /** About {@code target} ticks spanning [min, max]; a degenerate range is widened around its value. */
    static Ticks nice(double min, double max, int target) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("tick range must be finite with min <= max, but was [" + min + ", "
                    + max + "]");
        }
        if (min == max) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / Math.max(1, target);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        double step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        // A tiny slack keeps 0.30000000000000004 from pushing an extra tick past a data max of 0.3.
        double eps = step * 1e-9;
        double lo = Math.floor((min + eps) / step) * step;
        double hi = Math.ceil((max - eps) / step) * step;
        return new Ticks(lo, hi, step);
    }

    List<Double> values() {
        List<Double> out = new ArrayList<>();
        long n = Math.round((hi - lo) / step);
        for (long i = 0; i <= n; i++) {
            out.add(clean(snap(lo + i * step)));
        }
        return out;
    }

    /** The label for a tick value, with the decimals the step needs. */
    String label(double v) {
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        double s = snap(v);
        return String.format(Locale.ROOT, "%." + decimals + "f", s == 0 ? 0.0 : s);
    }

    /** Zero for what is zero up to rounding noise (0.1 * 3 - 0.3), so no tick reads "-0.0". */
    private double snap(double v) {
        return Math.abs(v) < step * 1e-9 ? 0.0 : v;
    }

    /** Rounds away binary noise (0.1 * 3) so ticks and labels agree with what a person would write. */
    private static double clean(double v) {
        return new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    /** A short decimal for a parameter value (grid coordinates): up to 4 significant digits, no trailing zeros. */
    static String shortNumber(double v) {
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
