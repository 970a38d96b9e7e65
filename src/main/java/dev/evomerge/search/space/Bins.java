package dev.evomerge.search.space;

/** Categorical genes: n bins of equal width over [0, 1]; gene 1.0 falls in the last bin. */
public final class Bins {
    private Bins() {
    }

    public static int index(double gene, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a categorical gene needs at least one choice, but had " + n);
        }
        return Math.min(n - 1, (int) (gene * n));
    }

    /** The centre of bin {@code i}: the gene encode writes for choice i. */
    public static double centre(int i, int n) {
        return (i + 0.5) / n;
    }
}
