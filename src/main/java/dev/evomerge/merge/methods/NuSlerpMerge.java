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
final class NuSlerpMerge extends BlockMethod {
    NuSlerpMerge() {
        super(MethodSpec.of("nuslerp", BaseModelUse.OPTIONAL, List.of(Param.flag("nuslerp_row_wise", false),
                Param.flag("nuslerp_flatten", true)), List.of(Param.required("weight"))));
    }

    /** The statistics pass (norms and dot per vector: tensor, row or column) and the element-wise final pass. */
    @Override
    BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex) {
        int models = in.models();
        if (!in.hasBase() && models == 1) {
            return (ch, out, outOff) -> System.arraycopy(ch.xs[0], ch.off, out, outOff, ch.len);
        }
        if (in.hasBase() && models == 0) {
            return BlockMerge.COPY_BASE;
        }
        if (models != 2) {
            throw p.error("nuslerp merges exactly two models (plus an optional base_model that is not one of them),"
                    + " but " + models + " were given");
        }
        double w0 = p.model(0, "weight");
        double w1 = p.model(1, "weight");
        double sum = w0 + w1;
        double t = Math.abs(sum) < 1e-6 ? 0.5 : w1 / sum;
        int n = in.n();
        boolean simd = ex.simd();
        if (p.flag("nuslerp_flatten") || shape.length <= 1) {
            float[] c = coefficients(t, Reduce.chunks(ex, in, 3, (ch, acc) -> sums(ch, 0, ch.len, acc)));
            return (ch, out, outOff) -> Kernels.interpolate(c[0], ch.xs[0], c[1], ch.xs[1], ch.base, ch.off, ch.len,
                    out, outOff, simd);
        }
        if (!p.flag("nuslerp_row_wise")) {
            int len = (int) shape[shape.length - 1];
            int rows = len == 0 ? 0 : n / len;
            double[][] s = Reduce.rows(ex, in, rows, len, 3, (ch, acc) -> sums(ch, 0, ch.len, acc));
            float[] c0 = new float[rows];
            float[] c1 = new float[rows];
            for (int r = 0; r < rows; r++) {
                float[] c = coefficients(t, s[r]);
                c0[r] = c[0];
                c1[r] = c[1];
            }
            return (ch, out, outOff) -> BlockMerge.rowRuns(ch, len, (r, k, run) -> Kernels.interpolate(c0[r],
                    ch.xs[0], c1[r], ch.xs[1], ch.base, ch.off + k, run, out, outOff + k, simd));
        }
        int rows = (int) shape[0];
        int cols = rows == 0 ? 0 : n / rows;
        float[] c0 = new float[cols];
        float[] c1 = new float[cols];
        // Each column's sums run over the rows in order; a task owns a run of columns and reads it row by row.
        Blocks.forEach(ex, cols, Blocks.CHUNK, (task, from, to) -> {
            double[][] acc = new double[to - from][3];
            Inputs.Chunk ch = in.chunk();
            for (int r = 0; r < rows; r++) {
                ch.load(r * cols + from, to - from);
                for (int col = from; col < to; col++) {
                    sums(ch, col - from, col - from + 1, acc[col - from]);
                }
            }
            for (int col = from; col < to; col++) {
                float[] c = coefficients(t, acc[col - from]);
                c0[col] = c[0];
                c1[col] = c[1];
            }
        });
        return (ch, out, outOff) -> BlockMerge.rowRuns(ch, cols, (r, k, run) -> Kernels.interpolateColumns(c0, c1,
                ch.index + k - r * cols, ch.xs[0], ch.xs[1], ch.base, ch.off + k, run, out, outOff + k, simd));
    }

    /**
     * Adds {@code ||v0||^2, ||v1||^2, <v0, v1>} over the loaded chunk's elements [from, to), v = x or x - base in
     * float.
     */
    private static void sums(Inputs.Chunk ch, int from, int to, double[] acc) {
        double a = acc[0];
        double b = acc[1];
        double ab = acc[2];
        float[] x0 = ch.xs[0];
        float[] x1 = ch.xs[1];
        float[] base = ch.base;
        for (int i = ch.off + from, end = ch.off + to; i < end; i++) {
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
