package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code passthrough}: exactly one input, copied, or multiplied by its per-model {@code scale}
 * (float32). mergekit's default for {@code scale} is {@code None} (no multiplication); it is declared here as
 * 1.0, and a scale of exactly 1 copies the tensor bit for bit, so the two agree.
 */
final class PassthroughMerge extends AbstractMerge {
    PassthroughMerge() {
        super(MethodSpec.of("passthrough", BaseModelUse.NONE, List.of(), List.of(Param.number("scale", 1.0))));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
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
