package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code karcher} ({@code karcher.py}): the Riemannian (Karcher) mean of the models' directions on the unit
 * sphere, each whole tensor one vector, with equal weights {@code 1/N}, scaled by the mean of the norms.
 *
 * <p>Directions {@code u_i = x_i / ||x_i||} of the models with {@code ||x_i|| > tol} (weights renormalized over
 * them); start at the normalized weighted mean (the first direction if that is shorter than tol); then up to
 * {@code max_iter} fixed-point steps: {@code T = sum_i a_i (theta_i / sin theta_i)(u_i - <u, u_i> u)} over the
 * directions with {@code theta_i = acos(clamp(<u, u_i>, -1, 1)) >= tol}; stop when {@code ||T|| < tol}, else
 * {@code u = cos(||T||) u + sin(||T||) T / ||T||}, renormalized. Result {@code (sum_i ||x_i|| / N) u}.
 *
 * <p>Every iterate is a linear combination of the directions, so the iteration runs on the coefficients, with the
 * Gram matrix of the models (one statistics pass, in double) giving every dot product and norm; the result is then
 * {@code sum_i c_i x_i}, an element-wise float32 pass that streams chunk by chunk. mergekit iterates on float32
 * tensors; the results agree to float32 rounding. One model is returned unchanged; all models shorter than tol give
 * zeros, as in mergekit. A recipe's {@code base_model} is one more model only when it is listed under
 * {@code models} (mergekit adds it to the inputs whether listed or not).
 */
final class KarcherMerge extends BlockMethod {
    KarcherMerge() {
        super(MethodSpec.of("karcher", BaseModelUse.NONE, List.of(Param.number("max_iter", 10, Range.atLeast(0)),
                Param.number("tol", 1e-5, Range.atLeast(0))), List.of()));
    }

    @Override
    boolean readsBase() {
        return false;
    }

    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int n = in.models();
        if (n == 0) {
            throw p.error("karcher needs at least one model");
        }
        if (n == 1) {
            return (ch, out, outOff) -> System.arraycopy(ch.xs[0], ch.off, out, outOff, ch.len);
        }
        float[] c = coefficients(Gram.of(ex, in, false), (int) p.global("max_iter"), p.global("tol"));
        for (float ci : c) {
            if (!Float.isFinite(ci)) {
                throw p.error("the Karcher mean is undefined here (antipodal models: theta = pi has sin theta = 0;"
                        + " mergekit yields inf/NaN)");
            }
        }
        return (ch, out, outOff) -> Gram.combine(ch, c, false, out, outOff);
    }

    /** The float coefficients {@code c_i} of the result {@code sum_i c_i x_i}, from the models' Gram matrix. */
    static float[] coefficients(double[][] gram, int maxIter, double tol) {
        int n = gram.length;
        double[] norm = new double[n];
        int m = 0;
        int[] valid = new int[n];
        for (int i = 0; i < n; i++) {
            norm[i] = Math.sqrt(gram[i][i]);
            if (norm[i] > tol) {
                valid[m++] = i;
            }
        }
        float[] out = new float[n];
        if (m == 0) {
            return out;
        }
        // g: Gram matrix of the unit directions; a: weights over them (1/N each, renormalized)
        double[][] g = new double[m][m];
        for (int r = 0; r < m; r++) {
            for (int s = 0; s < m; s++) {
                g[r][s] = gram[valid[r]][valid[s]] / (norm[valid[r]] * norm[valid[s]]);
            }
        }
        double[] a = new double[m];
        java.util.Arrays.fill(a, 1.0 / m);
        double[] u = a.clone();
        double nu = Math.sqrt(Math.max(0, Gram.form(g, u, u)));
        if (nu < tol) {
            u = new double[m];
            u[0] = 1;
        } else {
            scale(u, 1 / nu);
        }
        for (int iter = 0; iter < maxIter; iter++) {
            double[] gu = times(g, u);
            double[] t = new double[m];
            for (int r = 0; r < m; r++) {
                double dot = Math.min(1.0, Math.max(-1.0, gu[r]));
                double theta = Math.acos(dot);
                if (theta < tol) {
                    continue;
                }
                double f = a[r] * theta / Math.sin(theta);
                t[r] += f;
                for (int s = 0; s < m; s++) {
                    t[s] -= f * dot * u[s];
                }
            }
            double nt = Math.sqrt(Math.max(0, Gram.form(g, t, t)));
            if (nt < tol) {
                break;
            }
            double cos = Math.cos(nt);
            double sin = Math.sin(nt);
            for (int s = 0; s < m; s++) {
                u[s] = cos * u[s] + sin * t[s] / nt;
            }
            double un = Math.sqrt(Math.max(0, Gram.form(g, u, u)));
            if (un > tol) {
                scale(u, 1 / un);
            }
        }
        double meanNorm = 0;
        for (int i = 0; i < n; i++) {
            meanNorm += norm[i] / n;
        }
        for (int r = 0; r < m; r++) {
            out[valid[r]] = (float) (meanNorm * u[r] / norm[valid[r]]);
        }
        return out;
    }

    private static double[] times(double[][] g, double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                r[i] += g[i][j] * v[j];
            }
        }
        return r;
    }

    private static void scale(double[] v, double f) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
    }
}
