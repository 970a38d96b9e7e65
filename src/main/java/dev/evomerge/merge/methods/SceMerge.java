package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code sce} ({@code sce.py}; Wan et al. 2024, FuseChat, arXiv:2408.07990: Select, Calculate, Erase).
 * With base b and task vectors {@code d_j = x_j - b} (float32):
 * <ol>
 * <li>Select: if {@code select_topk < 1}, keep only the elements whose variance across the task vectors
 * (population variance) is among the {@code k = int(nonzero * select_topk)} largest, where nonzero counts the
 * elements of non-zero variance; the same elements in every d_j. {@code select_topk = 0} (or k = 0) keeps none.</li>
 * <li>Calculate: {@code w_j = mean(d_j^2)} over the (selected) tensor, divided by their sum ({@code 1/N} each when the
 * sum is below 1e-6).</li>
 * <li>Erase: TIES's sign election ("sum" consensus): the majority sign of each element is that of
 * {@code sum_j d_j} (>= 0 is positive); an element of d_j counts only where its sign is the majority's (zeros never
 * count).</li>
 * </ol>
 * {@code out = b + sum_j (w_j m_j d_j) / max(sum_j w_j m_j, 1e-6)}, m_j the erase mask, float32 in mergekit's order.
 *
 * <p>Variances and mean squares are computed in double (mergekit: float32), so a variance within float32 rounding of
 * the k-th largest may be selected differently; ties in variance are broken by index (torch's topk leaves them
 * unspecified). {@code int8_mask} only changes mergekit's mask storage and has no effect. Zero models return the
 * base. Streamed: the selection is a radix selection over the variances' bits, recomputed from the inputs on each
 * pass (five to six passes with {@code select_topk < 1}, two without).
 */
final class SceMerge extends BlockMethod {
    SceMerge() {
        super(MethodSpec.of("sce", BaseModelUse.REQUIRED, List.of(Param.flag("int8_mask", false),
                Param.number("select_topk", 1.0, Range.UNIT)), List.of()));
    }

    /**
     * Statistics passes (the top-k variance threshold by radix selection over the variances' bits, the index-order
     * position of ties at the threshold, the mean squares of the kept deltas) and the element-wise final pass.
     */
    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int models = in.models();
        if (models == 0) {
            return BlockMerge.COPY_BASE;
        }
        int n = in.n();
        double topk = p.global("select_topk");
        Selection sel = topk < 1 ? Selection.find(ex, in, topk) : Selection.ALL;
        ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(() -> new Scratch(models));
        double[] sq = Reduce.chunks(ex, in, models, (ch, acc) -> {
            Scratch sc = scratch.get();
            sel.keep(ch, sc);
            for (int j = 0; j < models; j++) {
                double s = acc[j];
                float[] x = ch.xs[j];
                for (int k = 0; k < ch.len; k++) {
                    float d = sc.keep[k] ? x[ch.off + k] - ch.base[ch.off + k] : 0f;
                    s += (double) d * d;
                }
                acc[j] = s;
            }
        });
        double total = 0;
        for (int j = 0; j < models; j++) {
            sq[j] = n == 0 ? 0 : sq[j] / n;
            total += sq[j];
        }
        float[] w = new float[models];
        for (int j = 0; j < models; j++) {
            w[j] = (float) (Math.abs(total) < 1e-6 ? 1.0 / models : sq[j] / total);
        }
        return (ch, out, outOff) -> {
            Scratch sc = scratch.get();
            sel.keep(ch, sc);
            float[] d = sc.d;
            for (int k = 0; k < ch.len; k++) {
                int e = ch.off + k;
                float b = ch.base[e];
                float sum = 0f;
                for (int j = 0; j < models; j++) {
                    d[j] = sc.keep[k] ? ch.xs[j][e] - b : 0f;
                    sum += d[j];
                }
                float majority = sum >= 0 ? 1f : -1f;
                float mixed = 0f;
                float divisor = 0f;
                for (int j = 0; j < models; j++) {
                    float ew = Math.signum(d[j]) == majority ? w[j] : 0f;
                    mixed += d[j] * ew;
                    divisor += ew;
                }
                out[outOff + k] = b + mixed / Math.max(divisor, 1e-6f);
            }
        };
    }

    /** Per-thread buffers: one chunk's keep flags and variances, one element's deltas. */
    private static final class Scratch {
        final boolean[] keep = new boolean[Blocks.CHUNK];
        final double[] var = new double[Blocks.CHUNK];
        final float[] d;

        Scratch(int models) {
            d = new float[models];
        }
    }

    /** Population variance across the task vectors of each element of the loaded chunk, in double. */
    private static void variances(Inputs.Chunk ch, double[] var) {
        int models = ch.xs.length;
        for (int k = 0; k < ch.len; k++) {
            int e = ch.off + k;
            float b = ch.base[e];
            double mean = 0;
            for (int j = 0; j < models; j++) {
                mean += ch.xs[j][e] - b;
            }
            mean /= models;
            double v = 0;
            for (int j = 0; j < models; j++) {
                float dj = ch.xs[j][e] - b;
                v += (dj - mean) * (dj - mean);
            }
            var[k] = v / models;
        }
    }

    /**
     * Which elements the Select step keeps: variances above {@code threshold}, and of those equal to it the first
     * {@code ties} in index order ({@code tiesBefore[c]} counts the equal ones before chunk c), or every element.
     */
    private record Selection(boolean all, long threshold, long ties, long[] tiesBefore) {
        static final Selection ALL = new Selection(true, 0, 0, null);
        static final Selection NONE = new Selection(false, Long.MAX_VALUE, 0, null);

        void keep(Inputs.Chunk ch, Scratch sc) {
            if (all) {
                java.util.Arrays.fill(sc.keep, 0, ch.len, true);
                return;
            }
            variances(ch, sc.var);
            long equalSeen = tiesBefore == null ? 0 : tiesBefore[ch.index / Blocks.CHUNK];
            for (int k = 0; k < ch.len; k++) {
                long key = Double.doubleToRawLongBits(sc.var[k]);
                if (key > threshold) {
                    sc.keep[k] = true;
                } else if (key == threshold) {
                    sc.keep[k] = equalSeen++ < ties;
                } else {
                    sc.keep[k] = false;
                }
            }
        }

        /**
         * The k-th largest variance, {@code k = int(nonzero * density)}, selected by {@link RadixSelect} over the
         * non-negative doubles' bits (the variances recomputed from the inputs on each of its passes).
         */
        static Selection find(Execution ex, Inputs in, double density) {
            int n = in.n();
            long nonzero = RadixSelect.sum(Blocks.mapParts(ex, n, (lo, hi) -> {
                long c = 0;
                double[] var = new double[Blocks.CHUNK];
                Inputs.Chunk ch = in.chunk();
                for (int i = lo; i < hi; i += Blocks.CHUNK) {
                    ch.load(i, Math.min(Blocks.CHUNK, hi - i));
                    variances(ch, var);
                    for (int k = 0; k < ch.len; k++) {
                        if (var[k] != 0) {
                            c++;
                        }
                    }
                }
                return new long[] {c};
            }))[0];
            // torch: an int64 count times a Python float is a float32 product
            long k = density <= 0 ? 0 : (long) ((float) nonzero * (float) density);
            if (k <= 0) {
                return NONE;
            }
            ThreadLocal<double[]> buffers = ThreadLocal.withInitial(() -> new double[Blocks.CHUNK]);
            RadixSelect.Rank kth = RadixSelect.select(ex, in, new long[] {n - k}, (ch, keys) -> {
                double[] v = buffers.get();
                variances(ch, v);
                for (int q = 0; q < ch.len; q++) {
                    keys[q] = Double.doubleToRawLongBits(v[q]);
                }
            })[0];
            long threshold = kth.key();
            long below = kth.below();
            long equal = kth.equal();
            long above = n - below - equal;
            long ties = k - above;
            if (ties >= equal) {
                return new Selection(false, threshold, ties, null);
            }
            // Only some of the elements at the threshold are kept: the first ones by index, counted per chunk.
            int chunks = Blocks.count(n, Blocks.CHUNK);
            long[] perChunk = new long[chunks + 1];
            Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
                double[] var = new double[Blocks.CHUNK];
                Inputs.Chunk ch = in.chunk();
                for (int i = lo; i < hi; i += Blocks.CHUNK) {
                    ch.load(i, Math.min(Blocks.CHUNK, hi - i));
                    variances(ch, var);
                    long c = 0;
                    for (int q = 0; q < ch.len; q++) {
                        if (Double.doubleToRawLongBits(var[q]) == threshold) {
                            c++;
                        }
                    }
                    perChunk[i / Blocks.CHUNK + 1] = c;
                }
            });
            for (int c = 0; c < chunks; c++) {
                perChunk[c + 1] += perChunk[c];
            }
            return new Selection(false, threshold, ties, perChunk);
        }
    }
}
