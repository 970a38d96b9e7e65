package dev.evomerge.merge.methods;

import java.util.List;

/**
 * mergekit {@code nuslerp} ({@code nuslerp.py}): slerp between exactly two models with
 * {@code t = w_2 / (w_1 + w_2)} (0.5 when {@code |w_1 + w_2| < 1e-6}), optionally on task vectors.
 *
 * <p>Inputs: {@code models} holds the two models; with a base ({@link BaseModelUse#OPTIONAL}) they are replaced
 * by their task vectors {@code x_j - base} (float32) and the result is {@code base + slerp(...)}. A single model
 * without base, or the base alone, is returned unchanged, as in mergekit; other counts are errors.
 *
 * <p>Vectors: with {@code nuslerp_flatten} (default true) the whole tensor is one vector. Otherwise vectors run
 * along the last dimension (each row of a matrix), or along dimension 0 (each column) when
 * {@code nuslerp_row_wise} is true — mergekit's {@code dim = 0 if row_wise else -1}, whatever the option's name
 * suggests. Per vector: {@code u = v / max(||v||, 1e-7)}, {@code cos = clamp(<u0, u1>, -1, 1)},
 * {@code theta = acos(cos)}; if {@code |sin theta| < 1e-8} the vector is lerped, {@code (1 - t) v0 + t v1}, else
 * {@code (sin((1 - t) theta) v0 + sin(t theta) v1) / sin theta}.
 *
 * <p>Numerics: sums and angle math in double, two coefficients per vector rounded to float, element-wise
 * combination in float32 (see {@link Kernels#interpolate}). mergekit computes all of it in float32; one visible
 * consequence: for exactly antiparallel vectors float32 {@code sin(acos(-1))} is about -8.7e-8, above the 1e-8
 * test, so mergekit divides by it and returns values ~1e7 times too large, where this lerps (the intended
 * colinear fallback).
 */
final class NuSlerpMerge extends AbstractMerge {
    NuSlerpMerge() {
        super(MethodSpec.of("nuslerp", BaseModelUse.OPTIONAL, List.of(Param.flag("nuslerp_row_wise", false),
                Param.flag("nuslerp_flatten", true)), List.of(Param.required("weight"))));
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[] base = in.base();
        int models = in.modelCount();
        if (base == null && models == 1 || base != null && models == 0) {
            float[] only = base == null ? in.model(0) : base;
            System.arraycopy(only, 0, out, 0, only.length);
            return;
        }
        if (models != 2) {
            throw p.error("nuslerp merges exactly two models (plus an optional base_model that is not one of them),"
                    + " but " + models + " were given");
        }
        double w0 = p.model(0, "weight");
        double w1 = p.model(1, "weight");
        double sum = w0 + w1;
        double t = Math.abs(sum) < 1e-6 ? 0.5 : w1 / sum;
        float[] x0 = in.model(0);
        float[] x1 = in.model(1);
        int n = x0.length;
        boolean simd = ex.simd();
        boolean flatten = p.flag("nuslerp_flatten");
        long[] shape = in.shape();
        if (flatten || shape.length <= 1) {
            double[] s = Reduce.blocks(ex, n, 3, (lo, hi, acc) -> sums(x0, x1, base, lo, hi, 1, acc));
            float[] c = coefficients(t, s);
            Blocks.forEachBlock(ex, n, (blk, lo, hi) -> Kernels.interpolate(c[0], x0, c[1], x1, base, lo, hi, out,
                    simd));
        } else if (!p.flag("nuslerp_row_wise")) {
            int len = (int) shape[shape.length - 1];
            int rows = len == 0 ? 0 : n / len;
            double[][] s = Reduce.rows(ex, rows, len, 3, (lo, hi, acc) -> sums(x0, x1, base, lo, hi, 1, acc));
            int rowsPerTask = Math.max(1, Blocks.BLOCK / Math.max(1, len));
            Blocks.forEach(ex, rows, rowsPerTask, (task, from, to) -> {
                for (int r = from; r < to; r++) {
                    float[] c = coefficients(t, s[r]);
                    Kernels.interpolate(c[0], x0, c[1], x1, base, r * len, (r + 1) * len, out, simd);
                }
            });
        } else {
            int rows = (int) shape[0];
            int cols = rows == 0 ? 0 : n / rows;
            float[] c0 = new float[cols];
            float[] c1 = new float[cols];
            Blocks.forEach(ex, cols, Math.max(1, Blocks.CHUNK), (task, from, to) -> {
                double[][] acc = new double[to - from][3];
                for (int r = 0; r < rows; r++) {
                    for (int col = from; col < to; col++) {
                        sums(x0, x1, base, r * cols + col, r * cols + col + 1, 1, acc[col - from]);
                    }
                }
                for (int col = from; col < to; col++) {
                    float[] c = coefficients(t, acc[col - from]);
                    c0[col] = c[0];
                    c1[col] = c[1];
                }
            });
            Blocks.forEach(ex, rows, Math.max(1, Blocks.BLOCK / Math.max(1, cols)), (task, from, to) -> {
                for (int r = from; r < to; r++) {
                    Kernels.interpolateColumns(c0, x0, c1, x1, base, r * cols, out, simd);
                }
            });
        }
    }

    /** Adds {@code ||v0||^2, ||v1||^2, <v0, v1>} over [lo, hi) step {@code step}, v = x or x - base in float. */
    private static void sums(float[] x0, float[] x1, float[] base, int lo, int hi, int step, double[] acc) {
        double a = acc[0];
        double b = acc[1];
        double ab = acc[2];
        for (int i = lo; i < hi; i += step) {
            double v0 = base == null ? x0[i] : x0[i] - base[i];
            double v1 = base == null ? x1[i] : x1[i] - base[i];
            a += v0 * v0;
            b += v1 * v1;
            ab += v0 * v1;
        }
        acc[0] = a;
        acc[1] = b;
        acc[2] = ab;
    }

    static float[] coefficients(double t, double[] s) {
        double n0 = Math.max(Math.sqrt(s[0]), 1e-7);
        double n1 = Math.max(Math.sqrt(s[1]), 1e-7);
        double cos = Math.min(1.0, Math.max(-1.0, s[2] / n0 / n1));
        double theta = Math.acos(cos);
        double sin = Math.sin(theta);
        if (Math.abs(sin) < 1e-8) {
            return new float[] {(float) (1 - t), (float) t};
        }
        return new float[] {(float) (Math.sin((1 - t) * theta) / sin), (float) (Math.sin(t * theta) / sin)};
    }
}
