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
        return find(ex, Inputs.of(b, xs, b.length), ranks, sigmas).thresholds;
    }

    /** {@link #findSampled(Execution, Inputs, int[][], double)} on whole arrays. */
    static Threshold[][] findSampled(Execution ex, float[] b, float[][] xs, int[][] ranks, double sigmas) {
        return findSampled(ex, Inputs.of(b, xs, b.length), ranks, sigmas).thresholds;
    }

    /** {@link #findRadix(Execution, Inputs, int[][])} on whole arrays. */
    static Threshold[][] findRadix(Execution ex, float[] b, float[][] xs, int[][] ranks) {
        return findRadix(ex, Inputs.of(b, xs, b.length), ranks).thresholds;
    }

    /**
     * The thresholds of a selection, and (for ranks found by the sampled band) where in index order the keys of
     * each band lie, so that the chunk prefix counts of a threshold key need no further pass over the tensor.
     */
    static final class Selection {
        final Threshold[][] thresholds;
        /** Per model: the bands of every part, in part order, or null where the model's ranks came from radix. */
        private final Band[][][] bands;
        private final int n;

        Selection(Threshold[][] thresholds, Band[][][] bands, int n) {
            this.thresholds = thresholds;
            this.bands = bands;
            this.n = n;
        }

        /** Exclusive prefix counts per chunk of the key at rank index r of model j, or null if unknown. */
        int[] equalBefore(int j, int r) {
            if (bands == null || bands[j] == null || thresholds[j] == null) {
                return null;
            }
            int key = thresholds[j][r].key();
            int[] count = new int[Blocks.count(n, Blocks.CHUNK) + 1];
            for (Band[] part : bands[j]) {
                Band band = part[r];
                int first = band.from / Blocks.CHUNK;
                for (int c = 0; c < band.lowPerChunk.length; c++) {
                    int eq;
                    if (key == band.low) {
                        eq = band.lowPerChunk[c];
                    } else if (key == band.high) {
                        eq = band.highPerChunk[c];
                    } else {
                        eq = 0;
                        for (int q = band.marks[c]; q < band.marks[c + 1]; q++) {
                            eq += band.keys[q] == key ? 1 : 0;
                        }
                    }
                    count[first + c + 1] = eq;
                }
            }
            for (int c = 1; c < count.length; c++) {
                count[c] += count[c - 1];
            }
            return count;
        }
    }

    /** {@link #find} over any inputs. */
    static Selection find(Execution ex, Inputs in, int[][] ranks, double sigmas) {
        if (in.n() < 4 * SAMPLE) {
            return findRadix(ex, in, ranks);
        }
        Selection out = findSampled(ex, in, ranks, sigmas);
        int[][] missed = new int[in.models()][];
        boolean any = false;
        for (int j = 0; j < in.models(); j++) {
            if (ranks[j] != null && out.thresholds[j] == null) {
                missed[j] = ranks[j];
                any = true;
            }
        }
        if (any) {
            Threshold[][] radix = findRadix(ex, in, missed).thresholds;
            for (int j = 0; j < in.models(); j++) {
                if (missed[j] != null) {
                    out.thresholds[j] = radix[j];
                    out.bands[j] = null;
                }
            }
        }
        return out;
    }

    /**
     * The sampled band method; {@code thresholds[j]} is null where a band missed its rank. {@code sigmas} sets the
     * band half-width in standard deviations of the sample quantile.
     */
    static Selection findSampled(Execution ex, Inputs in, int[][] ranks, double sigmas) {
        int n = in.n();
        int models = in.models();
        int s = Math.min(n, SAMPLE);
        int[][] bandLow = new int[models][];
        int[][] bandHigh = new int[models][];
        // The strided sample, read in parallel over index ranges (each range reads the base and every model at the
        // same indices); every key lands at its own index, so the sample does not depend on the split.
        int[][] samples = new int[models][];
        for (int j = 0; j < models; j++) {
            samples[j] = ranks[j] == null ? null : new int[s];
        }
        Blocks.forEach(ex, s, Math.max(1, s / (4 * Math.max(1, ex.pool().getParallelism()))), (t, from, to) -> {
            for (int q = from; q < to; q++) {
                int i = (int) ((long) q * n / s);
                float b = in.get(ChunkReader.BASE, i);
                for (int j = 0; j < models; j++) {
                    if (samples[j] != null) {
                        samples[j][q] = Kernels.magnitudeKey(in.get(j, i) - b);
                    }
                }
            }
        });
        for (int j = 0; j < models; j++) {
            if (ranks[j] == null) {
                continue;
            }
            int[] sample = samples[j];
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
            int chunks = Blocks.count(hi - lo, Blocks.CHUNK);
            Band[][] bands = new Band[models][];
            for (int j = 0; j < models; j++) {
                if (ranks[j] != null) {
                    bands[j] = new Band[ranks[j].length];
                    for (int r = 0; r < bands[j].length; r++) {
                        bands[j][r] = new Band(bandLow[j][r], bandHigh[j][r], lo, chunks);
                    }
                }
            }
            Inputs.Chunk ch = in.chunk();
            for (int c = lo, local = 0; c < hi; c += Blocks.CHUNK, local++) {
                int len = Math.min(hi, c + Blocks.CHUNK) - c;
                ch.load(c, len);
                for (int j = 0; j < models; j++) {
                    if (bands[j] == null) {
                        continue;
                    }
                    for (Band band : bands[j]) {
                        band.scan(ch.xs[j], ch.base, ch.off, len, local, simd);
                    }
                }
            }
            for (Band[] perModel : bands) {
                if (perModel != null) {
                    for (Band band : perModel) {
                        band.marks[chunks] = band.size;
                    }
                }
            }
            return bands;
        });
        Threshold[][] out = new Threshold[models][];
        Band[][][] kept = new Band[models][][];
        Blocks.forEach(ex, models, 1, (j, from, to) -> {
            if (ranks[j] == null) {
                return;
            }
            Threshold[] th = new Threshold[ranks[j].length];
            for (int r = 0; r < th.length; r++) {
                long below = 0;
                long atLow = 0;
                long atHigh = 0;
                int size = 0;
                for (Band[][] p : parts) {
                    Band band = p[j][r];
                    below += band.below;
                    atLow += band.atLow;
                    atHigh += band.atHigh;
                    size += band.size;
                }
                int low = bandLow[j][r];
                int high = bandHigh[j][r];
                long rank = ranks[j][r];
                if (low > high || rank < below) {
                    return;
                }
                if (rank < below + atLow) {
                    th[r] = new Threshold(low, (int) below, (int) atLow);
                    continue;
                }
                long inner = rank - below - atLow;
                if (inner >= size) {
                    if (inner - size < atHigh) {
                        th[r] = new Threshold(high, (int) (below + atLow + size), (int) atHigh);
                        continue;
                    }
                    return;
                }
                int[] all = new int[size];
                int pos = 0;
                for (Band[][] p : parts) {
                    System.arraycopy(p[j][r].keys, 0, all, pos, p[j][r].size);
                    pos += p[j][r].size;
                }
                int key = IntSelect.select(all, (int) inner);
                int less = 0;
                int equal = 0;
                for (int k : all) {
                    less += k < key ? 1 : 0;
                    equal += k == key ? 1 : 0;
                }
                th[r] = new Threshold(key, (int) (below + atLow + less), equal);
            }
            out[j] = th;
            Band[][] mine = new Band[parts.size()][];
            for (int p = 0; p < mine.length; p++) {
                mine[p] = parts.get(p)[j];
            }
            kept[j] = mine;
        });
        return new Selection(out, kept, n);
    }

    /**
     * Per part: how many keys fall below the band, how many equal each edge (per chunk, so that the prefix counts of
     * an edge key need no further pass), and the keys strictly inside it in index order. Magnitudes of BF16 task
     * vectors take few distinct values, so the edges often hold most of the band and are only counted.
     */
    private static final class Band {
        final int low;
        final int high;
        /** First element of the part. */
        final int from;
        /** {@code marks[c]}: how many inner keys the part's chunks before chunk c gave. */
        final int[] marks;
        final int[] lowPerChunk;
        final int[] highPerChunk;
        long below;
        long atLow;
        long atHigh;
        int size;
        int[] keys = new int[1024];

        Band(int low, int high, int from, int chunks) {
            this.low = low;
            this.high = high;
            this.from = from;
            this.marks = new int[chunks + 1];
            this.lowPerChunk = new int[chunks];
            this.highPerChunk = new int[chunks];
        }

        /** Scans the magnitude keys of the task vector {@code x - b} on [lo, lo + len), local chunk {@code c}. */
        void scan(float[] x, float[] b, int lo, int len, int c, boolean simd) {
            marks[c] = size;
            if (keys.length - size < len) {
                keys = java.util.Arrays.copyOf(keys, Math.max(keys.length * 2, size + len));
            }
            boolean twoEdges = high != low;
            int[] out = keys;
            int n = size;
            int k = 0;
            int eqLow = 0;
            int eqHigh = 0;
            if (simd) {
                var fs = Kernels.FS;
                int upper = fs.loopBound(len);
                IntVector count = IntVector.zero(Kernels.IS);
                IntVector countLow = IntVector.zero(Kernels.IS);
                IntVector countHigh = IntVector.zero(Kernels.IS);
                for (; k < upper; k += fs.length()) {
                    IntVector v = FloatVector.fromArray(fs, x, lo + k).sub(FloatVector.fromArray(fs, b, lo + k))
                            .reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff);
                    count = count.sub((IntVector) v.compare(VectorOperators.LT, low).toVector());
                    countLow = countLow.sub((IntVector) v.compare(VectorOperators.EQ, low).toVector());
                    if (twoEdges) {
                        countHigh = countHigh.sub((IntVector) v.compare(VectorOperators.EQ, high).toVector());
                        VectorMask<Integer> in = v.compare(VectorOperators.GT, low)
                                .and(v.compare(VectorOperators.LT, high));
                        if (in.anyTrue()) {
                            v.compress(in).intoArray(out, n);
                            n += in.trueCount();
                        }
                    }
                }
                below += count.reduceLanes(VectorOperators.ADD);
                eqLow = countLow.reduceLanes(VectorOperators.ADD);
                eqHigh = countHigh.reduceLanes(VectorOperators.ADD);
            }
            for (; k < len; k++) {
                int v = Kernels.magnitudeKey(x[lo + k] - b[lo + k]);
                if (v < low) {
                    below++;
                } else if (v == low) {
                    eqLow++;
                } else if (v < high) {
                    out[n++] = v;
                } else if (v == high) {
                    eqHigh++;
                }
            }
            size = n;
            lowPerChunk[c] = eqLow;
            highPerChunk[c] = eqHigh;
            atLow += eqLow;
            atHigh += eqHigh;
        }
    }

    /** The two-pass radix select for every model with {@code ranks[j] != null}. */
    static Selection findRadix(Execution ex, Inputs in, int[][] ranks) {
        int n = in.n();
        int models = in.models();
        List<int[][]> parts = Blocks.mapParts(ex, n, (lo, hi) -> {
            int[][] hist = new int[models][];
            for (int j = 0; j < models; j++) {
                if (ranks[j] != null) {
                    hist[j] = new int[HIGH_BUCKETS];
                }
            }
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(hi, c + Blocks.CHUNK) - c;
                ch.load(c, len);
                float[] b = ch.base;
                int end = ch.off + len;
                for (int j = 0; j < models; j++) {
                    int[] h = hist[j];
                    if (h == null) {
                        continue;
                    }
                    float[] x = ch.xs[j];
                    for (int i = ch.off; i < end; i++) {
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
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(hi, c + Blocks.CHUNK) - c;
                ch.load(c, len);
                float[] b = ch.base;
                int end = ch.off + len;
                for (int j = 0; j < models; j++) {
                    if (hist[j] == null) {
                        continue;
                    }
                    float[] x = ch.xs[j];
                    int[] want = bucket[j];
                    for (int i = ch.off; i < end; i++) {
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
        return new Selection(out, null, n);
    }

    /**
     * For each chunk of {@link Blocks#CHUNK} elements, how many elements of model j before it have magnitude key
     * {@code key} (an exclusive prefix count in index order).
     */
    static int[] equalBefore(Execution ex, Inputs in, int j, int key) {
        int n = in.n();
        int chunks = Blocks.count(n, Blocks.CHUNK);
        int[] count = new int[chunks + 1];
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(hi, c + Blocks.CHUNK) - c;
                ch.load(c, len, j);
                count[c / Blocks.CHUNK + 1] = countEqual(ch.xs[j], ch.base, ch.off, ch.off + len, key, ex.simd());
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
     * The sparsifier keeping ranks [lo, hi) of model j's task vector, 0 <= lo < hi <= n, from the thresholds at
     * ranks lo (if lo > 0, at index {@code rLo} of the model's ranks) and hi - 1 (if hi < n, at index {@code rHi}).
     */
    static KeyWindow window(Execution ex, Inputs in, int j, int lo, int hi, Selection sel, int rLo, int rHi) {
        int n = in.n();
        int lowKey = 0;
        int dropLow = 0;
        int[] prefixLow = null;
        if (lo > 0) {
            Threshold atLo = sel.thresholds[j][rLo];
            lowKey = atLo.key();
            dropLow = lo - atLo.below();
            if (dropLow > 0 && lowKey != 0) {
                prefixLow = sel.equalBefore(j, rLo);
                if (prefixLow == null) {
                    prefixLow = equalBefore(ex, in, j, lowKey);
                }
            }
        }
        int highKey = Integer.MAX_VALUE;
        int keepHigh = 0;
        int[] prefixHigh = null;
        if (hi < n) {
            Threshold atHi = sel.thresholds[j][rHi];
            highKey = atHi.key();
            keepHigh = hi - atHi.below();
            if (keepHigh < atHi.equal() && highKey != 0) {
                prefixHigh = highKey == lowKey && prefixLow != null ? prefixLow : sel.equalBefore(j, rHi);
                if (prefixHigh == null) {
                    prefixHigh = equalBefore(ex, in, j, highKey);
                }
            }
        }
        return new KeyWindow(lowKey, highKey, dropLow, prefixLow, keepHigh, prefixHigh);
    }
}
