package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code slerp}: spherical interpolation between the base (t = 0) and the one other model (t = 1),
 * treating each whole tensor as one vector (mergekit {@code slerp.py}, after the dvschultz gist).
 *
 * <p>With v0 the base and v1 the model: each is normalised by its L2 norm unless that norm is {@code <= 1e-8}
 * (then used as is); {@code dot = <v0n, v1n>}. If {@code |dot| > 0.9995} (nearly parallel <em>or</em>
 * antiparallel) the result is the lerp {@code (1 - t) v0 + t v1}; otherwise {@code theta = acos(dot)},
 * {@code s0 = sin(theta - t theta) / sin(theta)}, {@code s1 = sin(t theta) / sin(theta)} and
 * {@code out = s0 v0 + s1 v1}.
 *
 * <p>Numerics: norms and the dot product are summed in double (per block, blocks in order) and the angle math is
 * done in double, then the two coefficients are rounded to float; the element-wise combination is float32 like
 * mergekit's. mergekit (numpy 2) does the scalar math in float32, so coefficients may differ in the last bits
 * and a dot within float32 rounding of 0.9995 may take the other branch. t = 0 and t = 1 return the inputs
 * exactly. With no other model the base is returned (mergekit's single-tensor case).
 */
final class SlerpMerge extends BlockMethod {
    static final double DOT_THRESHOLD = 0.9995;
    static final double EPS = 1e-8;

    /** mergekit's test recipes weight the models of a {@code slerp} merge; mergekit ignores the weights. */
    SlerpMerge() {
        super(MethodSpec.of("slerp", BaseModelUse.REQUIRED, List.of(Param.required("t", Range.UNIT)), List.of())
                .ignoring("weight"));
    }

    /** The statistics pass (two squared norms and the dot product) and the element-wise final pass. */
    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        if (in.models() == 0) {
            return BlockMerge.COPY_BASE;
        }
        if (in.models() != 1) {
            throw p.error("slerp interpolates the base with exactly one other model, but " + in.models()
                    + " were given");
        }
        double t = p.global("t");
        double[] s = Reduce.chunks(ex, in, 3, (ch, acc) -> {
            double a = acc[0];
            double bb = acc[1];
            double ab = acc[2];
            float[] v0 = ch.base;
            float[] v1 = ch.xs[0];
            for (int i = ch.off, end = ch.off + ch.len; i < end; i++) {
                double x = v0[i];
                double y = v1[i];
                a += x * x;
                bb += y * y;
                ab += x * y;
            }
            acc[0] = a;
            acc[1] = bb;
            acc[2] = ab;
        });
        float[] c = coefficients(t, s[0], s[1], s[2]);
        boolean simd = ex.simd();
        return (ch, out, outOff) -> Kernels.interpolate(c[0], ch.base, c[1], ch.xs[0], null, ch.off, ch.len, out,
                outOff, simd);
    }

    /** The float coefficients (c0, c1) of {@code out = c0 v0 + c1 v1} from squared norms and the dot product. */
    static float[] coefficients(double t, double sq0, double sq1, double dot01) {
        double n0 = Math.sqrt(sq0);
        double n1 = Math.sqrt(sq1);
        double dot = dot01 / (n0 > EPS ? n0 : 1.0) / (n1 > EPS ? n1 : 1.0);
        if (Math.abs(dot) > DOT_THRESHOLD) {
            return new float[] {(float) (1 - t), (float) t};
        }
        double theta0 = Math.acos(dot);
        double sin0 = Math.sin(theta0);
        double thetaT = theta0 * t;
        return new float[] {(float) (Math.sin(theta0 - thetaT) / sin0), (float) (Math.sin(thetaT) / sin0)};
    }
}
