package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code model_stock} (Jang et al. 2024, arXiv:2403.19522, eq. for the interpolation ratio):
 * with base w0 and N >= 2 models w_j, offsets {@code o_j = w_j - w0} (float32),
 * {@code cos} = the mean over pairs i < j of {@code clamp(<o_i, o_j> / max(||o_i|| ||o_j||, 1e-6), -1, 1)},
 * {@code t = N cos / (1 + (N - 1) cos)}, and {@code out = t * avg(w_j) + (1 - t) * w0}.
 *
 * <p>With {@code filter_wise} (default false) one t is computed per row along the last dimension (a 1-D tensor
 * is one row); otherwise one t for the whole tensor. Sums and t are computed in double (mergekit: float32), t is
 * rounded to float and the final combination is float32 ({@link Kernels#stock}).
 *
 * <p>The base alone is returned unchanged; a single other model is an error, as in mergekit. Where
 * {@code 1 + (N - 1) cos == 0} (e.g. two exactly opposite offsets) mergekit returns inf/NaN silently; here it is
 * a {@link dev.evomerge.UserError} naming the tensor.
 */
final class ModelStockMerge extends BlockMethod {
    /** mergekit's test recipes weight the models of a {@code model_stock} merge; mergekit ignores the weights. */
    ModelStockMerge() {
        super(MethodSpec.of("model_stock", BaseModelUse.REQUIRED, List.of(Param.flag("filter_wise", false)),
                List.of()).ignoring("weight"));
    }

    /** The statistics pass (offsets' squared norms and pairwise dots, per tensor or row) and the final pass. */
    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int models = in.models();
        if (models == 0) {
            return BlockMerge.COPY_BASE;
        }
        if (models < 2) {
            throw p.error("model_stock needs a base_model plus at least two other models, but only " + models
                    + " other model was given");
        }
        int n = in.n();
        int width = models + models * (models - 1) / 2;
        Reduce.ChunkBody body = (ch, acc) -> {
            float[] o = new float[models];
            for (int i = ch.off, end = ch.off + ch.len; i < end; i++) {
                for (int j = 0; j < models; j++) {
                    o[j] = ch.xs[j][i] - ch.base[i];
                    acc[j] += (double) o[j] * o[j];
                }
                int q = models;
                for (int a = 0; a < models; a++) {
                    for (int b = a + 1; b < models; b++) {
                        acc[q++] += (double) o[a] * o[b];
                    }
                }
            }
        };
        boolean simd = ex.simd();
        if (!p.flag("filter_wise") || shape.length <= 1) {
            float t = ratio(p, Reduce.chunks(ex, in, width, body), models, -1);
            return (ch, out, outOff) -> Kernels.stock(t, 1f - t, ch.base, ch.xs, ch.off, ch.len, out, outOff, simd);
        }
        int len = (int) shape[shape.length - 1];
        int rows = len == 0 ? 0 : n / len;
        double[][] s = Reduce.rows(ex, in, rows, len, width, body);
        float[] t = new float[rows];
        for (int r = 0; r < rows; r++) {
            t[r] = ratio(p, s[r], models, r);
        }
        return (ch, out, outOff) -> BlockMerge.rowRuns(ch, len, (r, k, run) ->
                Kernels.stock(t[r], 1f - t[r], ch.base, ch.xs, ch.off + k, run, out, outOff + k, simd));
    }

    /** t from squared norms {@code s[0..N)} and pairwise dots {@code s[N..)}, as a float. */
    private static float ratio(Params p, double[] s, int models, int row) {
        double sum = 0;
        int pairs = 0;
        int q = models;
        for (int a = 0; a < models; a++) {
            for (int b = a + 1; b < models; b++) {
                double norms = Math.max(Math.sqrt(s[a]) * Math.sqrt(s[b]), 1e-6);
                sum += Math.min(1.0, Math.max(-1.0, s[q++] / norms));
                pairs++;
            }
        }
        double cos = sum / pairs;
        double t = models * cos / (1 + (models - 1) * cos);
        if (!Double.isFinite(t) || !Float.isFinite((float) t)) {
            throw p.error("the mean cosine " + cos + " between task vectors" + (row >= 0 ? " of row " + row : "")
                    + " makes 1 + (N - 1) cos = 0, so the interpolation ratio is undefined (mergekit yields inf/NaN)");
        }
        return (float) t;
    }
}
