package dev.evomerge.merge.methods;

import java.util.List;

/**
 * Exact rank selection on the magnitudes of task vectors {@code |x - b|} in linear time, by radix select on the
 * 31-bit magnitude keys ({@link Kernels#magnitudeKey}): one pass histograms the high 15 bits, a second pass
 * histograms the low 16 bits of the elements in the bucket holding the wanted rank. No sort, no copy of the
 * tensor; counts are integers, so the result does not depend on how the passes are split across threads.
 * mergekit instead sorts the whole tensor ({@code torch.argsort}); the kept set is the same up to ties.
 */
final class MagnitudeSelect {
    private static final int HIGH_BUCKETS = 1 << 15;
    private static final int LOW_BUCKETS = 1 << 16;

    private MagnitudeSelect() {
    }

    /**
     * The key at one rank of the ascending order.
     *
     * @param key   the magnitude key at that rank
     * @param below how many elements have a smaller key
     * @param equal how many elements have this key
     */
    record Threshold(int key, int below, int equal) {
    }

    /**
     * For every model j with {@code ranks[j] != null}, the thresholds at each of its ranks (0-based, ascending).
     * All models are histogrammed in the same passes so the base is read once per pass.
     */
    static Threshold[][] find(Execution ex, float[] b, float[][] xs, int[][] ranks) {
        int n = b.length;
        int models = xs.length;
        List<int[][]> parts = Blocks.mapParts(ex, n, (lo, hi) -> {
            int[][] hist = new int[models][];
            for (int j = 0; j < models; j++) {
                if (ranks[j] != null) {
                    hist[j] = new int[HIGH_BUCKETS];
                }
            }
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int end = Math.min(hi, c + Blocks.CHUNK);
                for (int j = 0; j < models; j++) {
                    int[] h = hist[j];
                    if (h == null) {
                        continue;
                    }
                    float[] x = xs[j];
                    for (int i = c; i < end; i++) {
                        h[Kernels.magnitudeKey(x[i] - b[i]) >>> 16]++;
                    }
                }
            }
            return hist;
        });
        int[][] high = new int[models][];
        int[][] bucket = new int[models][];
        int[][] bucketBelow = new int[models][];
        for (int j = 0; j < models; j++) {
            if (ranks[j] == null) {
                continue;
            }
            high[j] = new int[HIGH_BUCKETS];
            for (int[][] p : parts) {
                for (int q = 0; q < HIGH_BUCKETS; q++) {
                    high[j][q] += p[j][q];
                }
            }
            bucket[j] = new int[ranks[j].length];
            bucketBelow[j] = new int[ranks[j].length];
            for (int r = 0; r < ranks[j].length; r++) {
                int rank = ranks[j][r];
                if (rank < 0 || rank >= n) {
                    throw new IllegalArgumentException("Rank " + rank + " outside [0, " + n + ")");
                }
                int below = 0;
                int q = 0;
                while (below + high[j][q] <= rank) {
                    below += high[j][q++];
                }
                bucket[j][r] = q;
                bucketBelow[j][r] = below;
            }
        }
        List<int[][][]> lowParts = Blocks.mapParts(ex, n, (lo, hi) -> {
            int[][][] hist = new int[models][][];
            for (int j = 0; j < models; j++) {
                if (ranks[j] != null) {
                    hist[j] = new int[ranks[j].length][];
                    for (int r = 0; r < ranks[j].length; r++) {
                        hist[j][r] = new int[LOW_BUCKETS];
                    }
                }
            }
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int end = Math.min(hi, c + Blocks.CHUNK);
                for (int j = 0; j < models; j++) {
                    if (hist[j] == null) {
                        continue;
                    }
                    float[] x = xs[j];
                    int[] want = bucket[j];
                    for (int i = c; i < end; i++) {
                        int key = Kernels.magnitudeKey(x[i] - b[i]);
                        int q = key >>> 16;
                        for (int r = 0; r < want.length; r++) {
                            if (q == want[r]) {
                                hist[j][r][key & 0xffff]++;
                            }
                        }
                    }
                }
            }
            return hist;
        });
        Threshold[][] out = new Threshold[models][];
        for (int j = 0; j < models; j++) {
            if (ranks[j] == null) {
                continue;
            }
            out[j] = new Threshold[ranks[j].length];
            for (int r = 0; r < ranks[j].length; r++) {
                int[] low = new int[LOW_BUCKETS];
                for (int[][][] p : lowParts) {
                    int[] h = p[j][r];
                    for (int q = 0; q < LOW_BUCKETS; q++) {
                        low[q] += h[q];
                    }
                }
                int below = bucketBelow[j][r];
                int q = 0;
                while (below + low[q] <= ranks[j][r]) {
                    below += low[q++];
                }
                out[j][r] = new Threshold((bucket[j][r] << 16) | q, below, low[q]);
            }
        }
        return out;
    }

    /**
     * For each chunk of {@link Blocks#CHUNK} elements, how many elements before it have magnitude key
     * {@code key} (an exclusive prefix count in index order).
     */
    static int[] equalBefore(Execution ex, float[] x, float[] b, int key) {
        int n = b.length;
        int chunks = Blocks.count(n, Blocks.CHUNK);
        int[] count = new int[chunks + 1];
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int end = Math.min(hi, c + Blocks.CHUNK);
                int eq = 0;
                for (int i = c; i < end; i++) {
                    if (Kernels.magnitudeKey(x[i] - b[i]) == key) {
                        eq++;
                    }
                }
                count[c / Blocks.CHUNK + 1] = eq;
            }
        });
        for (int c = 1; c <= chunks; c++) {
            count[c] += count[c - 1];
        }
        return count;
    }

    /**
     * The sparsifier keeping ranks [lo, hi) of model x's task vector, 0 <= lo < hi <= n, from the thresholds at
     * ranks lo (if lo > 0) and hi - 1 (if hi < n).
     */
    static KeyWindow window(Execution ex, float[] x, float[] b, int lo, int hi, Threshold atLo, Threshold atHiMinus1) {
        int n = b.length;
        int lowKey = 0;
        int dropLow = 0;
        int[] prefixLow = null;
        if (lo > 0) {
            lowKey = atLo.key();
            dropLow = lo - atLo.below();
            if (dropLow > 0 && lowKey != 0) {
                prefixLow = equalBefore(ex, x, b, lowKey);
            }
        }
        int highKey = Integer.MAX_VALUE;
        int keepHigh = 0;
        int[] prefixHigh = null;
        if (hi < n) {
            highKey = atHiMinus1.key();
            keepHigh = hi - atHiMinus1.below();
            if (keepHigh < atHiMinus1.equal() && highKey != 0) {
                prefixHigh = highKey == lowKey && prefixLow != null ? prefixLow : equalBefore(ex, x, b, highKey);
            }
        }
        return new KeyWindow(lowKey, highKey, dropLow, prefixLow, keepHigh, prefixHigh);
    }
}
