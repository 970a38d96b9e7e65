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
final class LinearMerge extends AbstractMerge {
    LinearMerge() {
        super(MethodSpec.of("linear", BaseModelUse.NONE, List.of(Param.flag("normalize", true)),
                List.of(Param.required("weight"))));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[][] xs = in.models();
        Combination comb = combination(p, xs.length, ex.simd());
        Blocks.forEachBlock(ex, out.length, (blk, lo, hi) ->
                Kernels.weightedSum(xs, comb.w, lo, hi, out, comb.normalize, comb.divisor, comb.simd));
    }

    @Override
    boolean streams(TensorSpec spec) {
        return true;
    }

    @Override
    ChunkedMerge chunked(TensorSpec spec, Params p, ChunkReader reader, Execution ex) {
        Combination comb = combination(p, spec.modelCount(), ex.simd());
        Inputs in = Inputs.of(reader, spec.numel(), spec.modelCount(), false);
        return new BlockMerge(spec.numel(), (ch, out, outOff) ->
                Kernels.weightedSum(ch.xs, comb.w, ch.off, ch.len, out, outOff, comb.normalize, comb.divisor,
                        comb.simd), in);
    }

    private record Combination(float[] w, boolean normalize, float divisor, boolean simd) {
    }

    private static Combination combination(Params p, int models, boolean simd) {
        if (models == 0) {
            throw p.error("linear needs at least one model");
        }
        double[] weights = p.perModel("weight");
        float[] w = new float[models];
        float wsum = 0f;
        for (int j = 0; j < models; j++) {
            w[j] = (float) weights[j];
            wsum += w[j];
        }
        boolean normalize = p.flag("normalize");
        if (normalize && wsum == 0f) {
            throw p.error("the weights " + Params.weights(weights) + " sum to 0, so normalize would divide by zero;"
                    + " change the weights or set normalize: false");
        }
        return new Combination(w, normalize, wsum, simd);
    }
}
