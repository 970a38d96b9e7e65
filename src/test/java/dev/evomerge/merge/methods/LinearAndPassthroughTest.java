package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class LinearAndPassthroughTest {

    @Test
    void linearGoldenNormalizedAndNot() {
        // (1*x0 + 3*x1) / 4 with x0 = [1, 2, 3], x1 = [3, 6, -3]: exact in binary
        assertArrayEquals(f(2.5, 5, -1.5), in().model(f(1, 2, 3), "weight", 1).model(f(3, 6, -3), "weight", 3)
                .merge("linear"));
        assertArrayEquals(f(10, 20, -6), in().model(f(1, 2, 3), "weight", 1).model(f(3, 6, -3), "weight", 3)
                .global("normalize", false).merge("linear"));
    }

    @Test
    void linearRoundsLikeTorch() {
        // products rounded to float, summed in model order, then a true division by the float weight sum
        float[] x0 = f(0.1, 1e-3, 7.7);
        float[] x1 = f(0.2, -3e-3, 1.1);
        float w0 = 0.3f;
        float w1 = 0.45f;
        float[] expected = new float[3];
        for (int i = 0; i < 3; i++) {
            expected[i] = (x0[i] * w0 + x1[i] * w1) / (w0 + w1);
        }
        assertArrayEquals(expected, in().model(x0, "weight", 0.3).model(x1, "weight", 0.45).merge("linear"));
    }

    @Test
    void linearWeightOneOnOneModelReturnsItExactly() {
        float[] a = Fixtures.random(1, 1001, 0.02);
        a[3] = Float.MIN_VALUE;
        a[4] = -0.0f;
        float[] b = Fixtures.random(2, 1001, 5);
        float[] out = in().model(b, "weight", 0).model(a, "weight", 1).merge("linear");
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.compare(Math.abs(a[i]), Math.abs(out[i])) == 0, "element " + i);
        }
        assertArrayEquals(a, in().model(a, "weight", 1).global("normalize", false).merge("linear"));
    }

    @Test
    void linearZeroWeightSumWithNormalizeIsAUserError() {
        UserError e = assertThrows(UserError.class,
                () -> in().model(f(1, 2), "weight", 1).model(f(3, 4), "weight", -1).merge("linear"));
        assertTrue(e.getMessage().contains("up_proj") && e.getMessage().contains("[1.0, -1.0]")
                && e.getMessage().contains("normalize"), e.getMessage());
        assertArrayEquals(f(-2, -2), in().model(f(1, 2), "weight", 1).model(f(3, 4), "weight", -1)
                .global("normalize", false).merge("linear"));
    }

    @Test
    void passthroughCopiesOrScales() {
        float[] x = f(1, -2, 3.5, Float.MIN_VALUE);
        float[] copy = in().model(x).merge("passthrough");
        assertArrayEquals(x, copy);
        assertArrayEquals(f(0.5, -1, 1.75, 0), in().model(x, "scale", 0.5).merge("passthrough"));
        assertArrayEquals(f(-3, 6, -10.5, -3 * Float.MIN_VALUE), in().model(x, "scale", -3).merge("passthrough"));
    }

    @Test
    void passthroughTakesExactlyOneModel() {
        assertThrows(UserError.class, () -> in().model(f(1)).model(f(2)).merge("passthrough"));
        assertThrows(UserError.class, () -> in().base(f(0)).model(f(1)).merge("passthrough"));
    }
}
