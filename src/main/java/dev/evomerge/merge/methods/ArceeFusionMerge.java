package dev.evomerge.merge.methods;

import java.util.Arrays;
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
 * the result is exact and reproducible. Whole-tensor (the quantiles rank every element). The base alone is returned.
 */
final class ArceeFusionMerge extends AbstractMerge {
    private static final double EPS = 1e-8;

    ArceeFusionMerge() {
        super(MethodSpec.of("arcee_fusion", BaseModelUse.REQUIRED, List.of(), List.of()));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[] a = in.base();
        int n = a.length;
        if (in.modelCount() == 0) {
            System.arraycopy(a, 0, out, 0, n);
            return;
        }
        if (in.modelCount() != 1) {
            throw p.error("arcee_fusion merges the base with exactly one other model, but " + in.modelCount()
                    + " were given");
        }
        float[] b = in.model(0);
        if (n == 0) {
            return;
        }
        long[] shape = in.shape();
        int len = shape.length == 0 ? n : (int) shape[shape.length - 1];
        int rows = len == 0 ? 0 : n / len;
        double[] importance = new double[n];
        Blocks.forEach(ex, rows, Math.max(1, Blocks.BLOCK / Math.max(1, len)), (task, from, to) -> {
            for (int r = from; r < to; r++) {
                int lo = r * len;
                double kl = kl(b, a, lo, len);
                for (int i = lo; i < lo + len; i++) {
                    importance[i] = Math.abs(b[i] - a[i]) * kl;
                }
            }
        });
        double[] sorted = importance.clone();
        Arrays.sort(sorted);
        double median = sorted[(int) (0.5 * (n - 1))];
        double q1 = sorted[(int) (0.25 * (n - 1))];
        double q3 = sorted[(int) (0.75 * (n - 1))];
        double threshold = median + 1.5 * (q3 - q1);
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                out[i] = importance[i] >= threshold ? a[i] + (b[i] - a[i]) : a[i];
            }
        });
    }

    /** {@code sum p log(p / q)} with {@code p = softmax(x) + eps}, {@code q = softmax(y) + eps} over one row. */
    static double kl(float[] x, float[] y, int lo, int len) {
        double mx = Double.NEGATIVE_INFINITY;
        double my = Double.NEGATIVE_INFINITY;
        for (int i = lo; i < lo + len; i++) {
            mx = Math.max(mx, x[i]);
            my = Math.max(my, y[i]);
        }
        double zx = 0;
        double zy = 0;
        for (int i = lo; i < lo + len; i++) {
            zx += Math.exp(x[i] - mx);
            zy += Math.exp(y[i] - my);
        }
        double kl = 0;
        for (int i = lo; i < lo + len; i++) {
            double p = Math.exp(x[i] - mx) / zx + EPS;
            double q = Math.exp(y[i] - my) / zy + EPS;
            kl += p * Math.log(p / q);
        }
        return kl;
    }
}
