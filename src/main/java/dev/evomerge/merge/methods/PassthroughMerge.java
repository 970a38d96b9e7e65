package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code passthrough}: exactly one input, copied, or multiplied by its per-model {@code scale}
 * (float32). mergekit's default for {@code scale} is {@code None} (no multiplication); it is declared here as
 * 1.0, and a scale of exactly 1 copies the tensor bit for bit, so the two agree.
 */
final class PassthroughMerge implements MergeMethod {
    private static final List<Param> PER_MODEL = List.of(Param.number("scale", 1.0));

    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public BaseModelUse baseModelUse() {
        return BaseModelUse.NONE;
    }

    @Override
    public List<Param> globalParams() {
        return List.of();
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
        if (in.modelCount() != 1) {
            throw p.error("passthrough takes exactly one model, but " + in.modelCount() + " were given");
        }
        float[] x = in.model(0);
        double scale = p.model(0, "scale");
        if (scale == 1.0) {
            System.arraycopy(x, 0, out, 0, x.length);
            return;
        }
        float s = (float) scale;
        boolean simd = ex.simd();
        Blocks.forEachBlock(ex, x.length, (blk, lo, hi) -> Kernels.scale(x, s, lo, hi, out, simd));
    }
}
