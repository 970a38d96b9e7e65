package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code linear} (Wortsman et al. 2022, model soups, arXiv:2203.05482):
 * {@code out = sum_j w_j x_j}, divided by {@code sum_j w_j} when {@code normalize} (default true). Float32, in
 * model order, as torch: products are rounded, then summed; the division is a true division.
 *
 * <p>mergekit divides by a zero weight sum silently (inf/NaN weights); here that is a {@link dev.evomerge.UserError}
 * naming the tensor and weights. The base model is not used: list it under models with a weight to average it.
 */
final class LinearMerge implements MergeMethod {
    private static final List<Param> GLOBALS = List.of(Param.flag("normalize", true));
    private static final List<Param> PER_MODEL = List.of(Param.required("weight"));

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public BaseModelUse baseModelUse() {
        return BaseModelUse.NONE;
    }

    @Override
    public List<Param> globalParams() {
        return GLOBALS;
    }

    @Override
    public List<Param> modelParams() {
        return PER_MODEL;
    }

    @Override
    public void merge(TensorInput in, float[] out, Execution ex) {
        Checks.output(in, out);
        Checks.base(this, in);
        Params p = Params.resolve(this, in);
        int models = in.modelCount();
        if (models == 0) {
            throw p.error("linear needs at least one model");
        }
        double[] weights = p.perModel("weight");
        float[] w = new float[models];
        float wsum = 0f;
        float[][] xs = new float[models][];
        for (int j = 0; j < models; j++) {
            w[j] = (float) weights[j];
            wsum += w[j];
            xs[j] = in.model(j);
        }
        boolean normalize = p.flag("normalize");
        if (normalize && wsum == 0f) {
            throw p.error("the weights " + Params.weights(weights) + " sum to 0, so normalize would divide by zero;"
                    + " change the weights or set normalize: false");
        }
        float divisor = wsum;
        boolean simd = ex.simd();
        Blocks.forEachBlock(ex, out.length, (blk, lo, hi) ->
                Kernels.weightedSum(xs, w, lo, hi, out, normalize, divisor, simd));
    }
}
