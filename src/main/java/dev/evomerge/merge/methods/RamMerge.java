package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code ram} and {@code ramplus_tl} ({@code ram.py}; Reinforced Agent Merging, arXiv:2601.13572). With base
 * b and task vectors {@code d_j = x_j - b} (float32), an element of d_j is significant where {@code |d_j| > epsilon};
 * c counts the models significant at that element. Elements only one model changes keep its delta whole, shared
 * ones are averaged over the models that change them: {@code out = b + sum_j [d_j significant] (c == 1 ? l_j d_j :
 * d_j / c)}.
 *
 * <p>{@code ram}: {@code l_j = 1}. {@code ramplus_tl} (tensor-local RAM+) boosts the unique deltas of a model that
 * shares much: with {@code shared_j} / {@code unique_j} the numbers of its significant elements that are shared /
 * its own in this tensor, {@code rho_j = shared_j / max(unique_j, epsilon)} and
 * {@code l_j = 1 + r * clamp(rho_j, 0, alpha)} (counts in one statistics pass, then the element-wise pass; both
 * stream). Float32 in mergekit's order; the base alone is returned.
 */
final class RamMerge extends BlockMethod {
    /** The two registered variants. */
    enum Variant {
        RAM("ram"), RAMPLUS_TL("ramplus_tl");

        final String methodName;

        Variant(String methodName) {
            this.methodName = methodName;
        }

        MethodSpec spec() {
            Param epsilon = Param.number("epsilon", 1e-5, Range.atLeast(0));
            return this == RAM
                    ? MethodSpec.of(methodName, BaseModelUse.REQUIRED, List.of(epsilon), List.of())
                    : MethodSpec.of(methodName, BaseModelUse.REQUIRED, List.of(Param.number("r", 0.1, Range.atLeast(0)),
                            Param.number("alpha", 0.2, Range.atLeast(0)), epsilon), List.of());
        }
    }

    private final Variant variant;

    RamMerge(Variant variant) {
        super(variant.spec());
        this.variant = variant;
    }

    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int models = in.models();
        if (models == 0) {
            return (ch, out, outOff) -> System.arraycopy(ch.base, ch.off, out, outOff, ch.len);
        }
        float eps = (float) p.global("epsilon");
        float[] boost = new float[models];
        java.util.Arrays.fill(boost, 1f);
        if (variant == Variant.RAMPLUS_TL) {
            double[] counts = counts(ex, in, eps);
            double r = p.global("r");
            double alpha = p.global("alpha");
            for (int j = 0; j < models; j++) {
                // float32 as torch: shared / max(unique, epsilon), clamp, 1 + r * rho
                float rho = (float) counts[2 * j] / Math.max((float) counts[2 * j + 1], eps);
                rho = Math.min(Math.max(rho, 0f), (float) alpha);
                boost[j] = 1f + (float) r * rho;
            }
        }
        boolean plus = variant == Variant.RAMPLUS_TL;
        return (ch, out, outOff) -> combine(ch, eps, boost, plus, out, outOff);
    }

    /** Per model j: {@code [2j]} its significant elements that others share, {@code [2j + 1]} those only it has. */
    private static double[] counts(Execution ex, Inputs in, float eps) {
        int models = in.models();
        return Reduce.blocks(ex, in.n(), 2 * models, (lo, hi, acc) -> {
            Inputs.Chunk ch = in.chunk();
            boolean[] sig = new boolean[models];
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(Blocks.CHUNK, hi - c);
                ch.load(c, len);
                for (int i = 0; i < len; i++) {
                    int e = ch.off + i;
                    int count = 0;
                    for (int j = 0; j < models; j++) {
                        sig[j] = Math.abs(ch.xs[j][e] - ch.base[e]) > eps;
                        count += sig[j] ? 1 : 0;
                    }
                    for (int j = 0; j < models; j++) {
                        if (sig[j]) {
                            acc[2 * j + (count > 1 ? 0 : 1)]++;
                        }
                    }
                }
            }
        });
    }

    private static void combine(Inputs.Chunk ch, float eps, float[] boost, boolean plus, float[] out, int outOff) {
        int models = ch.xs.length;
        for (int i = 0; i < ch.len; i++) {
            int e = ch.off + i;
            float b = ch.base[e];
            int count = 0;
            for (int j = 0; j < models; j++) {
                count += Math.abs(ch.xs[j][e] - b) > eps ? 1 : 0;
            }
            float merged = 0f;
            for (int j = 0; j < models; j++) {
                float d = ch.xs[j][e] - b;
                if (Math.abs(d) > eps) {
                    merged += count == 1 ? (plus ? d * boost[j] : d) : d / count;
                }
            }
            out[outOff + i] = b + merged;
        }
    }
}
