package dev.evomerge.eval;

/** Standard errors and confidence intervals for the metrics. */
public final class Stats {
    /** The two-sided 95% normal quantile, Φ⁻¹(0.975). */
    public static final double Z95 = 1.959963984540054;

    private Stats() {}

    public record Interval(double low, double high) {
        public Interval {
            if (!(low <= high) && !(Double.isNaN(low) && Double.isNaN(high))) {
                throw new IllegalArgumentException("low must not exceed high, but was [" + low + ", " + high + "]");
            }
        }
    }

    /**
     * Wilson score interval for k successes in n trials (Wilson 1927; Brown, Cai & DasGupta 2001, eq. 4):
     * (p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike the normal interval it stays inside [0, 1] and
     * does not collapse to a point at p̂ = 0 or 1, which matters for the small slices gates see.
     */
    public static Interval wilson(long successes, long n, double z) {
        if (n < 1 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n and n >= 1, but was " + successes + "/" + n);
        }
        double p = (double) successes / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denom;
        double half = z / denom * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        double low = successes == 0 ? 0.0 : Math.max(0.0, center - half);
        double high = successes == n ? 1.0 : Math.min(1.0, center + half);
        return new Interval(low, high);
    }

    /**
     * Standard error of a mean as lm-evaluation-harness reports it ({@code mean_stderr}): the sample standard
     * deviation (n − 1 denominator) over sqrt(n). NaN below two values, where it is undefined.
     */
    public static double meanStderr(double[] xs) {
        int n = xs.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = 0;
        for (double x : xs) {
            mean += x;
        }
        mean /= n;
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }

    /** {@link #meanStderr} for 0/1 scores in closed form: sqrt(p̂(1−p̂)/(n−1)). */
    public static double binaryStderr(long successes, long n) {
        if (n < 2) {
            return Double.NaN;
        }
        double p = (double) successes / n;
        return Math.sqrt(p * (1 - p) / (n - 1));
    }

    /**
     * A ratio of sums R = Σyᵢ / Σxᵢ (mean log-probability per token, byte or word) and its linearization standard
     * error sqrt(Σ(yᵢ − R·xᵢ)² / (n(n−1))) / x̄ (Cochran, Sampling Techniques, 3rd ed., eq. 6.9 without the finite
     * population correction). NaN error below two documents.
     */
    public record Ratio(double value, double stderr) {}

    public static Ratio ratio(double[] y, double[] x) {
        if (y.length != x.length || y.length == 0) {
            throw new IllegalArgumentException("need equal, non-empty arrays, but had " + y.length + " and "
                    + x.length);
        }
        int n = y.length;
        double sy = 0;
        double sx = 0;
        for (int i = 0; i < n; i++) {
            sy += y[i];
            sx += x[i];
        }
        double r = sy / sx;
        if (n < 2) {
            return new Ratio(r, Double.NaN);
        }
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = y[i] - r * x[i];
            ss += d * d;
        }
        double xbar = sx / n;
        return new Ratio(r, Math.sqrt(ss / ((double) n * (n - 1))) / xbar);
    }
}
