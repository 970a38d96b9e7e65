package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class ArceeFusionTest {
    @Test
    void onlyTheOutlyingDeltaIsTaken() {
        // One row of 8: a single large change. Importances are |d| * kl (one kl for the row): seven zeros and one
        // positive, so the median and quartiles are 0, the threshold 0 and every element passes (>= 0) — the result
        // is a + (b - a) everywhere, i.e. b where b - a is exact.
        float[] a = f(0, 0, 0, 0, 0, 0, 0, 0);
        float[] b = f(0, 0, 0, 0, 0, 0, 0, 4);
        assertArrayEquals(b, in().base(a).model(b).merge("arcee_fusion"));
        // Small changes everywhere and one large: the threshold lies above the small ones
        float[] a2 = f(1, 1, 1, 1, 1, 1, 1, 1);
        float[] b2 = f(1.01, 0.99, 1.02, 0.98, 1.01, 0.99, 1.02, 5);
        assertArrayEquals(f(1, 1, 1, 1, 1, 1, 1, 1 + (5f - 1f)), in().base(a2).model(b2).merge("arcee_fusion"));
    }

    @Test
    void identitiesAndRefusals() {
        float[] a = Fixtures.random(41, 999, 1);
        assertArrayEquals(a, in().base(a).model(a).merge("arcee_fusion"), "the base itself");
        assertArrayEquals(a, in().base(a).merge("arcee_fusion"), "the base alone");
        assertThrows(UserError.class, () -> in().base(a).model(a).model(a).merge("arcee_fusion"));
    }

    /**
     * The streamed path (statistics passes over chunks: per-row KL, then the three quartiles by radix selection)
     * against a naive twin of the whole-tensor formula (every importance sorted), bit for bit: rows shorter than a
     * chunk, straddling chunk and block edges and longer than a chunk, a 1-D tensor past a block, many tied
     * importances (unchanged elements), 1 and 4 threads, SIMD and scalar.
     */
    @Test
    void streamedAndWholeEqualTheSortedReferenceAtChunkEdges() {
        long[][] shapes = {{1}, {17}, {Blocks.BLOCK + 5}, {3, Blocks.CHUNK + 3}, {Blocks.BLOCK / 17 + 3, 17},
            {2, Blocks.BLOCK + Blocks.CHUNK - 1}, {Blocks.CHUNK - 1, 33}};
        for (long[] shape : shapes) {
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            float[] a = Fixtures.random(n + 5, n, 1);
            float[] b = Fixtures.plus(a, Fixtures.random(n + 6, n, 0.05));
            for (int i = 0; i < n; i += 3) {
                b[i] = a[i]; // a third unchanged: importance 0, so the quartiles tie
            }
            TensorInput in = in().shape(shape).base(a).model(b).build();
            float[] expected = reference(a, b, (int) shape[shape.length - 1]);
            MergeMethod m = MergeMethods.get("arcee_fusion");
            for (Execution ex : java.util.List.of(Fixtures.SIMD_4, Fixtures.SCALAR_1, Fixtures.SCALAR_4)) {
                String what = java.util.Arrays.toString(shape) + " " + ex;
                assertArrayEquals(expected, m.merge(in, ex), what + " whole");
                float[] streamed = Fixtures.streamed(m, in, ex);
                assertNotNull(streamed, "arcee_fusion streams");
                assertArrayEquals(expected, streamed, what + " streamed");
            }
        }
    }

    /** mergekit's formula as written: importances in double, sorted, quantiles at floor(q (n - 1)). */
    private static float[] reference(float[] a, float[] b, int len) {
        int n = a.length;
        double[] importance = new double[n];
        for (int lo = 0; lo < n; lo += len) {
            double mx = Double.NEGATIVE_INFINITY;
            double my = Double.NEGATIVE_INFINITY;
            for (int i = lo; i < lo + len; i++) {
                mx = Math.max(mx, b[i]);
                my = Math.max(my, a[i]);
            }
            double zx = 0;
            double zy = 0;
            for (int i = lo; i < lo + len; i++) {
                zx += Math.exp(b[i] - mx);
                zy += Math.exp(a[i] - my);
            }
            double kl = 0;
            for (int i = lo; i < lo + len; i++) {
                double p = Math.exp(b[i] - mx) / zx + 1e-8;
                double q = Math.exp(a[i] - my) / zy + 1e-8;
                kl += p * Math.log(p / q);
            }
            for (int i = lo; i < lo + len; i++) {
                importance[i] = Math.abs(b[i] - a[i]) * kl;
            }
        }
        double[] sorted = importance.clone();
        java.util.Arrays.sort(sorted);
        double threshold = sorted[(int) (0.5 * (n - 1))]
                + 1.5 * (sorted[(int) (0.75 * (n - 1))] - sorted[(int) (0.25 * (n - 1))]);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = importance[i] >= threshold ? a[i] + (b[i] - a[i]) : a[i];
        }
        return out;
    }
}
