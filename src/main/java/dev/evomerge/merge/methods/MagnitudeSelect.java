package dev.evomerge.merge.methods;

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Exact rank selection on the magnitudes of task vectors {@code |x - b|} in linear time, on the 31-bit magnitude
 * keys ({@link Kernels#magnitudeKey}). mergekit instead sorts the whole tensor ({@code torch.argsort}); the kept
 * set is the same up to the order among equal magnitudes, which is fixed here (see {@link KeyWindow}).
 *
 * <p>Large tensors: a deterministic strided sample of {@value #SAMPLE} keys brackets each wanted rank in a key
 * band wide enough to hold it with overwhelming probability (4 standard deviations of the sample quantile plus
 * slack); one vectorised pass counts the keys below the band and gathers those inside it (about 1-2% of the
 * tensor), and a selection on that small set gives the exact key. If the band misses (the count shows it), or the
 * tensor is small, a two-pass radix select is used: histogram of the high 15 bits, then of the low 16 bits within
 * the bucket holding the rank. Counts are integers and the gathered set is a multiset, so neither result depends
 * on the thread count or on SIMD.
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

    static final int SAMPLE = 1 << 16;

    /**
     * For every model j with {@code ranks[j] != null}, the thresholds at each of its ranks (0-based, ascending).
     * All models are handled in the same passes so the base is read once per pass.
     */
    static Threshold[][] find(Execution ex, float[] b, float[][] xs, int[][] ranks) {
        return find(ex, b, xs, ranks, 4.0);
    }

    /** {@link #find} with the sample band half-width in standard deviations. */
    static Threshold[][] find(Execution ex, float[] b, float[][] xs, int[][] ranks, double sigmas) {
        if (b.length < 4 * SAMPLE) {
            return findRadix(ex, b, xs, ranks);
        }
        Threshold[][] out = findSampled(ex, b, xs, ranks, sigmas);
        int[][] missed = new int[xs.length][];
        boolean any = false;
        for (int j = 0; j < xs.length; j++) {
            if (ranks[j] != null && out[j] == null) {
                missed[j] = ranks[j];
                any = true;
            }
        }
        if (any) {
            Threshold[][] radix = findRadix(ex, b, xs, missed);
            for (int j = 0; j < xs.length; j++) {
                if (missed[j] != null) {
                    out[j] = radix[j];
                }
            }
        }
        return out;
    }

    /**
     * The sampled band method; {@code out[j]} is null where a band missed its rank. {@code sigmas} sets the band
     * half-width in standard deviations of the sample quantile.
     */
    static Threshold[][] findSampled(Execution ex, float[] b, float[][] xs, int[][] ranks, double sigmas) {
        int n = b.length;
        int models = xs.length;
        int s = Math.min(n, SAMPLE);
        int[][] bandLow = new int[models][];
        int[][] bandHigh = new int[models][];
        for (int j = 0; j < models; j++) {
            if (ranks[j] == null) {
                continue;
            }
            int[] sample = new int[s];
            for (int q = 0; q < s; q++) {
                int i = (int) ((long) q * n / s);
                sample[q] = Kernels.magnitudeKey(xs[j][i] - b[i]);
            }
            java.util.Arrays.sort(sample);
            bandLow[j] = new int[ranks[j].length];
            bandHigh[j] = new int[ranks[j].length];
            for (int r = 0; r < ranks[j].length; r++) {
                double f = (ranks[j][r] + 0.5) / n;
                double margin = sigmas * Math.sqrt(s * f * (1 - f)) + 8;
                long lo = Math.clamp((long) Math.floor(f * s - margin), 0, s - 1);
                long hi = Math.clamp((long) Math.ceil(f * s + margin), 0, s - 1);
                bandLow[j][r] = lo <= 0 ? 0 : sample[(int) lo];
                bandHigh[j][r] = hi >= s - 1 ? Integer.MAX_VALUE : sample[(int) hi];
            }
        }
        boolean simd = ex.simd();
        List<Band[][]> parts = Blocks.mapParts(ex, n, (lo, hi) -> {
            Band[][] bands = new Band[models][];
            for (int j = 0; j < models; j++) {
                if (ranks[j] != null) {
                    bands[j] = new Band[ranks[j].length];
                    for (int r = 0; r < bands[j].length; r++) {
                        bands[j][r] = new Band(bandLow[j][r], bandHigh[j][r]);
                    }
                }
            }
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(hi, c + Blocks.CHUNK) - c;
                for (int j = 0; j < models; j++) {
                    if (bands[j] == null) {
                        continue;
                    }
                    for (Band band : bands[j]) {
                        band.scan(xs[j], b, c, len, simd);
                    }
                }
            }
            return bands;
        });
        Threshold[][] out = new Threshold[models][];
        Blocks.forEach(ex, models, 1, (j, from, to) -> {
            if (ranks[j] == null) {
                return;
            }
            Threshold[] th = new Threshold[ranks[j].length];
            for (int r = 0; r < th.length; r++) {
                long below = 0;
                int size = 0;
                for (Band[][] p : parts) {
                    below += p[j][r].below;
                    size += p[j][r].size;
                }
                int inBand = (int) (ranks[j][r] - below);
                if (inBand < 0 || inBand >= size) {
                    return;
                }
                int[] all = new int[size];
                int pos = 0;
                for (Band[][] p : parts) {
                    System.arraycopy(p[j][r].keys, 0, all, pos, p[j][r].size);
                    pos += p[j][r].size;
                }
                int key = IntSelect.select(all, inBand);
                int less = 0;
                int equal = 0;
                for (int k : all) {
                    less += k < key ? 1 : 0;
                    equal += k == key ? 1 : 0;
                }
                th[r] = new Threshold(key, (int) (below + less), equal);
            }
            out[j] = th;
        });
        return out;
    }

    /** Per part: how many keys fall below the band, and the keys inside it. */
    private static final class Band {
        final int low;
        final int high;
        long below;
        int size;
        int[] keys = new int[1024];

        Band(int low, int high) {
            this.low = low;
            this.high = high;
        }

        /** Scans the magnitude keys of the task vector {@code x - b} on [lo, lo + len). */
        void scan(float[] x, float[] b, int lo, int len, boolean simd) {
            if (keys.length - size < len) {
                keys = java.util.Arrays.copyOf(keys, Math.max(keys.length * 2, size + len));
            }
            int[] out = keys;
            int n = size;
            int k = 0;
            if (simd) {
                var fs = Kernels.FS;
                int upper = fs.loopBound(len);
                IntVector count = IntVector.zero(Kernels.IS);
                for (; k < upper; k += fs.length()) {
                    IntVector v = FloatVector.fromArray(fs, x, lo + k).sub(FloatVector.fromArray(fs, b, lo + k))
                            .reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff);
                    VectorMask<Integer> lt = v.compare(VectorOperators.LT, low);
                    count = count.sub((IntVector) lt.toVector());
                    VectorMask<Integer> in = v.compare(VectorOperators.LE, high).andNot(lt);
                    if (in.anyTrue()) {
                        v.compress(in).intoArray(out, n);
                        n += in.trueCount();
                    }
                }
                below += count.reduceLanes(VectorOperators.ADD);
            }
            for (; k < len; k++) {
                int v = Kernels.magnitudeKey(x[lo + k] - b[lo + k]);
                if (v < low) {
                    below++;
                } else if (v <= high) {
                    out[n++] = v;
                }
            }
            size = n;
        }
    }

    /** The two-pass radix select for every model with {@code ranks[j] != null}. */
    static Threshold[][] findRadix(Execution ex, float[] b, float[][] xs, int[][] ranks) {
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
                count[c / Blocks.CHUNK + 1] = countEqual(x, b, c, end, key, ex.simd());
            }
        });
        for (int c = 1; c <= chunks; c++) {
            count[c] += count[c - 1];
        }
        return count;
    }

    /** How many elements of [lo, hi) have magnitude key {@code key}. */
    static int countEqual(float[] x, float[] b, int lo, int hi, int key, boolean simd) {
        int eq = 0;
        int i = lo;
        if (simd) {
            var fs = Kernels.FS;
            int upper = lo + fs.loopBound(hi - lo);
            IntVector count = IntVector.zero(Kernels.IS);
            for (; i < upper; i += fs.length()) {
                IntVector v = FloatVector.fromArray(fs, x, i).sub(FloatVector.fromArray(fs, b, i))
                        .reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff);
                count = count.sub((IntVector) v.compare(VectorOperators.EQ, key).toVector());
            }
            eq = count.reduceLanes(VectorOperators.ADD);
        }
        for (; i < hi; i++) {
            if (Kernels.magnitudeKey(x[i] - b[i]) == key) {
                eq++;
            }
        }
        return eq;
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
