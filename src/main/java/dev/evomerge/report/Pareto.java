package dev.evomerge.report;

import java.util.List;
import java.util.Objects;

/** Non-dominated sorting for maximization objectives. */
public final class Pareto {
    private Pareto() {
    }

    /**
     * Which points are on the Pareto front when every objective is maximized. Point a dominates b when a is at least
     * as good in every objective and strictly better in one (Deb et al. 2002, NSGA-II, section II); a point is on the
     * front when no other point dominates it. So duplicates of a front point are all on the front (neither dominates
     * the other), and a point tied with a front point in one objective but worse in another is not. Exact, O(n² m).
     *
     * @param points objective vectors, all of the same length, finite
     * @return one flag per point, in input order
     */
    public static boolean[] front(List<double[]> points) {
        Objects.requireNonNull(points, "points");
        int n = points.size();
        int m = n == 0 ? 0 : check(points.get(0), 0, -1).length;
        for (int i = 0; i < n; i++) {
            check(points.get(i), i, m);
        }
        boolean[] onFront = new boolean[n];
        for (int i = 0; i < n; i++) {
            onFront[i] = true;
            for (int j = 0; j < n && onFront[i]; j++) {
                if (j != i && dominates(points.get(j), points.get(i))) {
                    onFront[i] = false;
                }
            }
        }
        return onFront;
    }

    /** Whether a dominates b (maximization). */
    public static boolean dominates(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("points must have the same number of objectives, but had "
                    + a.length + " and " + b.length);
        }
        boolean strictly = false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] < b[k]) {
                return false;
            }
            strictly |= a[k] > b[k];
        }
        return strictly;
    }

    /** Validates point i: non-null, finite, of {@code objectives} entries (any number when negative). */
    static double[] check(double[] p, int i, int objectives) {
        if (p == null) {
            throw new IllegalArgumentException("point " + i + " must not be null");
        }
        if (objectives >= 0 && p.length != objectives) {
            throw new IllegalArgumentException("point " + i + " must have " + objectives + " objectives, but has "
                    + p.length);
        }
        for (double v : p) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("point " + i + " must be finite, but had " + v);
            }
        }
        return p;
    }
}
