package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code arcee_fusion} ({@code arcee_fusion.py}): takes the other model's delta only where it matters most.
 * With base a and the one other model b, per row (along the last dimension; a 1-D tensor is one row)
 * {@code p = softmax(b) + 1e-8}, {@code q = softmax(a) + 1e-8} and {@code kl = sum p log(p / q)}; each element's
 * importance is {@code |b - a| * kl} of its row. The threshold is {@code median + 1.5 IQR} of the importances
 * (quantile q at sorted index {@code floor(q (n - 1))}, as mergekit's); elements at or above it take
 * {@code a + (b - a)}, the others keep a.
 *
 * <p>Softmax, KL and importances in double (mergekit: float32), so an importance within float32 rounding of the
 * threshold may be classed differently. mergekit estimates the quantiles of a tensor above 10^6 elements from 10^6
 * elements drawn by an unseeded {@code randperm} (a different merge on every run); evomerge uses every element, so
 * the result is exact and reproducible. The base alone is returned.
 *
 * <p>Streamed: a pass computes each row's KL (kept, 8 bytes per row), four passes select the three quartiles
 * exactly by radix selection over the importances recomputed from the inputs ({@link RadixSelect}), and the final
 * pass compares each importance with the threshold; the same passes run over whole arrays, so both paths give the
 * same bits as sorting every importance would.
 */
final class ArceeFusionMerge extends BlockMethod {
    private static final double EPS = 1e-8;

    ArceeFusionMerge() {
        super(MethodSpec.of("arcee_fusion", BaseModelUse.REQUIRED, List.of(), List.of()));
    }

    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        if (in.models() == 0) {
            return BlockMerge.COPY_BASE;
        }
        if (in.models() != 1) {
            throw p.error("arcee_fusion merges the base with exactly one other model, but " + in.models()
                    + " were given");
        }
        int n = in.n();
        if (n == 0) {
            return BlockMerge.COPY_BASE;
        }
        int len = shape.length == 0 ? n : (int) shape[shape.length - 1];
        double[] kl = klRows(ex, in, n / len, len);
        long[] ranks = {(long) (0.5 * (n - 1)), (long) (0.25 * (n - 1)), (long) (0.75 * (n - 1))};
        RadixSelect.Rank[] q = RadixSelect.select(ex, in, ranks, (ch, keys) -> BlockMerge.rowRuns(ch, len,
                (row, k, run) -> {
                    for (int i = k; i < k + run; i++) {
                        keys[i] = RadixSelect.key(importance(ch, i, kl[row]));
                    }
                }));
        double median = RadixSelect.toDouble(q[0].key());
        double threshold = median + 1.5 * (RadixSelect.toDouble(q[2].key()) - RadixSelect.toDouble(q[1].key()));
        return (ch, out, outOff) -> BlockMerge.rowRuns(ch, len, (row, k, run) -> {
            for (int i = k; i < k + run; i++) {
                float a = ch.base[ch.off + i];
                float b = ch.xs[0][ch.off + i];
                out[outOff + i] = importance(ch, i, kl[row]) >= threshold ? a + (b - a) : a;
            }
        });
    }

    /** {@code |b - a| * kl} of the loaded chunk's element {@code i}. */
    private static double importance(Inputs.Chunk ch, int i, double kl) {
        return Math.abs(ch.xs[0][ch.off + i] - ch.base[ch.off + i]) * kl;
    }

    /** {@link #kl} of every row of {@code len} elements, rows in parallel. */
    private static double[] klRows(Execution ex, Inputs in, int rows, int len) {
        double[] kl = new double[rows];
        Blocks.forEach(ex, rows, Math.max(1, Blocks.BLOCK / len), (task, from, to) -> {
            Inputs.Chunk ch = in.chunk();
            for (int r = from; r < to; r++) {
                kl[r] = kl(ch, r * len, len);
            }
        });
        return kl;
    }

    /**
     * {@code sum p log(p / q)} with {@code p = softmax(b) + eps}, {@code q = softmax(a) + eps} over the row of
     * {@code len} elements from {@code start}, b the model and a the base: three passes in index order, the row
     * loaded once when it fits a chunk, else chunk by chunk on each pass.
     */
    private static double kl(Inputs.Chunk ch, int start, int len) {
        boolean fits = len <= Blocks.CHUNK;
        if (fits) {
            ch.load(start, len, 0);
        }
        double mx = Double.NEGATIVE_INFINITY;
        double my = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < len; c += Blocks.CHUNK) {
            int m = load(ch, fits, start, c, len);
            float[] x = ch.xs[0];
            float[] y = ch.base;
            for (int i = ch.off; i < ch.off + m; i++) {
                mx = Math.max(mx, x[i]);
                my = Math.max(my, y[i]);
            }
        }
        double zx = 0;
        double zy = 0;
        for (int c = 0; c < len; c += Blocks.CHUNK) {
            int m = load(ch, fits, start, c, len);
            float[] x = ch.xs[0];
            float[] y = ch.base;
            for (int i = ch.off; i < ch.off + m; i++) {
                zx += Math.exp(x[i] - mx);
                zy += Math.exp(y[i] - my);
            }
        }
        double kl = 0;
        for (int c = 0; c < len; c += Blocks.CHUNK) {
            int m = load(ch, fits, start, c, len);
            float[] x = ch.xs[0];
            float[] y = ch.base;
            for (int i = ch.off; i < ch.off + m; i++) {
                double p = Math.exp(x[i] - mx) / zx + EPS;
                double q = Math.exp(y[i] - my) / zy + EPS;
                kl += p * Math.log(p / q);
            }
        }
        return kl;
    }

    /**
     * Makes row elements {@code [c, c + m)} available at {@code ch.off} and returns m; a row that fits one chunk
     * was loaded whole, so only the offset moves.
     */
    private static int load(Inputs.Chunk ch, boolean fits, int start, int c, int len) {
        int m = Math.min(Blocks.CHUNK, len - c);
        if (!fits) {
            ch.load(start + c, m, 0);
        }
        return m;
    }
}
