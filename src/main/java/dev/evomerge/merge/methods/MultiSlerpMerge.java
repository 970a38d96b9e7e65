package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code multislerp} ({@code multislerp.py}, Goddard's barycentric interpolation on the hypersphere):
 * each whole tensor is one vector (a task vector {@code x_j - base} when a base is given); with weights w_j
 * (divided by their sum when {@code normalize_weights}), unit vectors {@code u_j = v_j / (||v_j|| + eps)}, the
 * weighted mean direction {@code m = sum_j w_j u_j / ||sum_j w_j u_j||} and the result
 * {@code (sum_j w_j ||v_j||) * exp_m(sum_j w_j (u_j - <u_j, m> m))}, plus the base.
 *
 * <p>The tangent-space step is exactly zero: {@code sum_j w_j <u_j, m> = <sum_j w_j u_j, m> = ||sum_j w_j u_j||},
 * so {@code sum_j w_j (u_j - <u_j, m> m) = 0} and the exponential map returns m. mergekit computes that zero in
 * float32 and adds its rounding noise (relative ~1e-7); here the result is computed as what it is, a linear
 * combination {@code base + sum_j c_j v_j} with {@code c_j = (sum_k w_k ||v_k||) w_j / ((||v_j|| + eps) ||sum_k
 * w_k u_k||)}, whose coefficients come from the Gram matrix of the v_j (one statistics pass, in double); the final
 * pass is element-wise float32 and streams chunk by chunk.
 *
 * <p>A single model is returned unchanged, the base alone too. When {@code ||sum_j w_j u_j|| < eps} (antipodal
 * vectors whose weights cancel) two models are lerped, {@code w_0 v_0 + w_1 v_1} (+ base), as in mergekit; with
 * more models that is an error, as in mergekit. A zero weight sum with {@code normalize_weights} is an error
 * (mergekit divides by it).
 */
final class MultiSlerpMerge extends BlockMethod {
    MultiSlerpMerge() {
        super(MethodSpec.of("multislerp", BaseModelUse.OPTIONAL, List.of(Param.flag("normalize_weights", true),
                Param.number("eps", 1e-8, Range.atLeast(0))), List.of(Param.required("weight"))));
    }

    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int models = in.models();
        if (models == 0 && in.hasBase()) {
            return (ch, out, outOff) -> System.arraycopy(ch.base, ch.off, out, outOff, ch.len);
        }
        if (models == 0) {
            throw p.error("multislerp needs at least one model");
        }
        if (models == 1) {
            return (ch, out, outOff) -> System.arraycopy(ch.xs[0], ch.off, out, outOff, ch.len);
        }
        double[] w = p.perModel("weight");
        if (p.flag("normalize_weights")) {
            double sum = 0;
            for (double wj : w) {
                sum += wj;
            }
            if (sum == 0) {
                throw p.error("the weights " + Params.weights(w) + " sum to 0, so normalize_weights would divide by"
                        + " zero; change the weights or set normalize_weights: false");
            }
            for (int j = 0; j < models; j++) {
                w[j] /= sum;
            }
        }
        double eps = p.global("eps");
        boolean task = in.hasBase();
        double[][] g = Gram.of(ex, in, task);
        double[] a = new double[models];
        double avgNorm = 0;
        for (int j = 0; j < models; j++) {
            double norm = Math.sqrt(g[j][j]);
            a[j] = w[j] / (norm + eps);
            avgNorm += w[j] * norm;
        }
        double meanNorm = Math.sqrt(Math.max(0, Gram.form(g, a, a)));
        float[] c = new float[models];
        if (meanNorm < eps) {
            if (models != 2) {
                throw p.error("the weighted mean of the " + models + " normalized inputs is zero (antipodal inputs"
                        + " whose weights " + Params.weights(w) + " cancel), so multislerp has no direction;"
                        + " change the weights");
            }
            c[0] = (float) w[0];
            c[1] = (float) w[1];
        } else {
            for (int j = 0; j < models; j++) {
                c[j] = (float) (avgNorm * a[j] / meanNorm);
            }
        }
        return (ch, out, outOff) -> Gram.combine(ch, c, task, out, outOff);
    }
}
