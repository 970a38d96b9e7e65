package dev.evomerge.merge.methods;

import java.util.Arrays;
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
 * base. Whole-tensor: the selection ranks every element.
 */
final class SceMerge extends AbstractMerge {
    SceMerge() {
        super(MethodSpec.of("sce", BaseModelUse.REQUIRED, List.of(Param.flag("int8_mask", false),
                Param.number("select_topk", 1.0, Range.UNIT)), List.of()));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[] b = in.base();
        int n = b.length;
        int models = in.modelCount();
        if (models == 0) {
            System.arraycopy(b, 0, out, 0, n);
            return;
        }
        float[][] d = new float[models][n];
        for (int j = 0; j < models; j++) {
            float[] x = in.model(j);
            float[] dj = d[j];
            Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    dj[i] = x[i] - b[i];
                }
            });
        }
        double topk = p.global("select_topk");
        if (topk < 1) {
            select(ex, d, topk);
        }
        double[] sq = Reduce.blocks(ex, n, models, (lo, hi, acc) -> {
            for (int j = 0; j < models; j++) {
                double s = 0;
                for (int i = lo; i < hi; i++) {
                    s += (double) d[j][i] * d[j][i];
                }
                acc[j] += s;
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
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float sum = 0f;
                for (int j = 0; j < models; j++) {
                    sum += d[j][i];
                }
                float majority = sum >= 0 ? 1f : -1f;
                float mixed = 0f;
                float divisor = 0f;
                for (int j = 0; j < models; j++) {
                    float dj = d[j][i];
                    float ew = Math.signum(dj) == majority ? w[j] : 0f;
                    mixed += dj * ew;
                    divisor += ew;
                }
                out[i] = b[i] + mixed / Math.max(divisor, 1e-6f);
            }
        });
    }

    /** Zeroes, in every task vector, the elements outside the top {@code int(nonzero * density)} variances. */
    private static void select(Execution ex, float[][] d, double density) {
        int n = d[0].length;
        int models = d.length;
        double[] var = new double[n];
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                double mean = 0;
                for (float[] dj : d) {
                    mean += dj[i];
                }
                mean /= models;
                double v = 0;
                for (float[] dj : d) {
                    v += (dj[i] - mean) * (dj[i] - mean);
                }
                var[i] = v / models;
            }
        });
        long nonzero = Arrays.stream(var).filter(v -> v != 0).count();
        // torch: an int64 count times a Python float is a float32 product
        long k = density <= 0 ? 0 : (long) ((float) nonzero * (float) density);
        boolean[] keep = new boolean[n];
        if (k > 0) {
            double[] sorted = var.clone();
            Arrays.sort(sorted);
            double threshold = sorted[(int) (n - k)];
            long above = 0;
            for (double v : var) {
                if (v > threshold) {
                    above++;
                }
            }
            long ties = k - above;
            for (int i = 0; i < n; i++) {
                if (var[i] > threshold) {
                    keep[i] = true;
                } else if (var[i] == threshold && ties > 0) {
                    keep[i] = true;
                    ties--;
                }
            }
        }
        for (float[] dj : d) {
            Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    if (!keep[i]) {
                        dj[i] = 0f;
                    }
                }
            });
        }
    }
}
