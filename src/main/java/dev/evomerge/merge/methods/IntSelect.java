package dev.evomerge.merge.methods;

/** In-place selection of the k-th smallest int (Hoare quickselect, median-of-three pivot, sort as a backstop). */
final class IntSelect {
    private IntSelect() {
    }

    /** The value of rank {@code k} (0-based) of {@code a}; reorders {@code a}. */
    static int select(int[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        int budget = 4 * (32 - Integer.numberOfLeadingZeros(Math.max(1, a.length)));
        while (lo < hi) {
            if (budget-- == 0) {
                java.util.Arrays.sort(a, lo, hi + 1);
                return a[k];
            }
            int mid = (lo + hi) >>> 1;
            int pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    int t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static int median(int a, int b, int c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
