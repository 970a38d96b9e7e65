package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code nearswap} ({@code nearswap.py}, after alchemonaut's QuartetAnemoi): interpolates the base a
 * towards the one other model b element by element, the more where the two are already close:
 * {@code w = clamp(t / max(|a - b|, 1e-6), 0, 1)}, {@code out = w b + (1 - w) a}. Elements within t of each
 * other take b; far apart ones stay near a.
 *
 * <p>All float32 in mergekit's order (as torch on CPU): {@code t} is rounded to float once; {@code w * b} and
 * {@code (1 - w) * a} are each rounded, then summed. NaN inputs give NaN, as in torch. The base alone is returned
 * unchanged; more than one other model is an error, as in mergekit. {@code t} must be {@code >= 0} (mergekit takes
 * any number; a negative t makes every w 0, i.e. returns the base).
 */
final class NearSwapMerge extends AbstractMerge {
    private static final float MIN_DIFF = 1e-6f;

    NearSwapMerge() {
        super(MethodSpec.of("nearswap", BaseModelUse.REQUIRED, List.of(Param.required("t", Range.atLeast(0))),
                List.of()));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[] a = in.base();
        if (in.modelCount() == 0) {
            System.arraycopy(a, 0, out, 0, a.length);
            return;
        }
        float t = threshold(p, in.modelCount());
        float[] b = in.model(0);
        Blocks.forEachBlock(ex, a.length, (blk, lo, hi) -> swap(a, b, lo, hi - lo, t, out, lo));
    }

    @Override
    boolean streams(TensorSpec spec) {
        return true;
    }

    @Override
    ChunkedMerge chunked(TensorSpec spec, Params p, ChunkReader reader, Execution ex) {
        Inputs in = Inputs.of(reader, spec.numel(), spec.modelCount(), true);
        if (spec.modelCount() == 0) {
            return new BlockMerge(spec.numel(), (ch, out, outOff) -> System.arraycopy(ch.base, ch.off, out, outOff,
                    ch.len), in);
        }
        float t = threshold(p, spec.modelCount());
        return new BlockMerge(spec.numel(), (ch, out, outOff) -> swap(ch.base, ch.xs[0], ch.off, ch.len, t, out,
                outOff), in);
    }

    private static float threshold(Params p, int models) {
        if (models != 1) {
            throw p.error("nearswap interpolates the base with exactly one other model, but " + models
                    + " were given");
        }
        return (float) p.global("t");
    }

    /** {@code out[outOff + i] = w b + (1 - w) a} for {@code a[off + i], b[off + i]}, i in [0, len). */
    static void swap(float[] a, float[] b, int off, int len, float t, float[] out, int outOff) {
        for (int i = 0; i < len; i++) {
            float ai = a[off + i];
            float bi = b[off + i];
            float w = t / Math.max(Math.abs(ai - bi), MIN_DIFF);
            w = Math.min(Math.max(w, 0f), 1f);
            out[outOff + i] = w * bi + (1f - w) * ai;
        }
    }
}
