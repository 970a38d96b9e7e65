package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class NuSlerpTest {

    @Test
    void tComesFromWeights() {
        // t = 3 / (1 + 3) = 0.75 on orthogonal vectors: (sin(0.25 pi/2), sin(0.75 pi/2))
        float[] out = in().model(f(1, 0), "weight", 1).model(f(0, 1), "weight", 3).merge("nuslerp");
        close(f(Math.sin(Math.PI / 8), Math.sin(3 * Math.PI / 8)), out, 0, 1e-7);
    }

    @Test
    void zeroWeightSumMeansHalf() {
        float[] out = in().model(f(1, 0), "weight", 1).model(f(0, 1), "weight", -1).merge("nuslerp");
        close(f(Math.sin(Math.PI / 4), Math.sin(Math.PI / 4)), out, 0, 1e-7);
    }

    @Test
    void baseModelInterpolatesTaskVectors() {
        // deltas (1, 0) and (0, 1) from base (1, 1), t = 0.5
        float[] out = in().base(f(1, 1)).model(f(2, 1), "weight", 1).model(f(1, 2), "weight", 1).merge("nuslerp");
        double s = Math.sin(Math.PI / 4);
        close(f(1 + s, 1 + s), out, 0, 1e-7);
    }

    @Test
    void rowModeSlerpsEachRow() {
        // row 0: identical rows (colinear: lerp), row 1: orthogonal
        float[] x0 = f(1, 2, 1, 0);
        float[] x1 = f(1, 2, 0, 1);
        float[] out = in().shape(2, 2).model(x0, "weight", 1).model(x1, "weight", 1)
                .global("nuslerp_flatten", false).merge("nuslerp");
        double s = Math.sin(Math.PI / 4);
        close(f(1, 2, s, s), out, 0, 1e-7);
    }

    @Test
    void rowWiseOptionSlerpsColumnsLikeMergekit() {
        SplittableTranspose t = new SplittableTranspose(3, 5);
        float[] a = Fixtures.random(5, 15, 1);
        float[] b = Fixtures.random(6, 15, 1);
        float[] byColumns = in().shape(3, 5).model(a, "weight", 0.3).model(b, "weight", 0.7)
                .global("nuslerp_flatten", false).global("nuslerp_row_wise", true).merge("nuslerp");
        float[] byRowsOfTranspose = in().shape(5, 3).model(t.apply(a), "weight", 0.3).model(t.apply(b), "weight", 0.7)
                .global("nuslerp_flatten", false).merge("nuslerp");
        assertArrayEquals(t.apply(byColumns), byRowsOfTranspose);
    }

    /** Transposes a rows x cols row-major matrix. */
    private record SplittableTranspose(int rows, int cols) {
        float[] apply(float[] m) {
            float[] t = new float[m.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = m[r * cols + c];
                }
            }
            return t;
        }
    }

    @Test
    void antiparallelIsLerped() {
        float[] out = in().model(f(1, 2), "weight", 3).model(f(-1, -2), "weight", 1).merge("nuslerp");
        assertArrayEquals(new float[] {0.75f * 1 + 0.25f * -1, 0.75f * 2 + 0.25f * -2}, out);
    }

    @Test
    void endpointWeightsReturnInputs() {
        float[] a = Fixtures.random(7, 300, 1);
        float[] b = Fixtures.random(8, 300, 1);
        assertArrayEquals(a, in().model(a, "weight", 1).model(b, "weight", 0).merge("nuslerp"));
        assertArrayEquals(b, in().model(a, "weight", 0).model(b, "weight", 2).merge("nuslerp"));
    }

    @Test
    void modelCounts() {
        assertArrayEquals(f(4, 5), in().model(f(4, 5), "weight", 1).merge("nuslerp"));
        assertArrayEquals(f(4, 5), in().base(f(4, 5)).merge("nuslerp"));
        assertThrows(UserError.class, () -> in().base(f(1)).model(f(2), "weight", 1).merge("nuslerp"));
        assertThrows(UserError.class, () -> in().model(f(1), "weight", 1).model(f(2), "weight", 1)
                .model(f(3), "weight", 1).merge("nuslerp"));
    }
}
