package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class SlerpTest {
    private static final double S45 = Math.sin(Math.PI / 4);

    @Test
    void orthogonalUnitVectorsAtHalf() {
        // theta = pi/2: s0 = s1 = sin(pi/4) / sin(pi/2)
        close(f(S45, S45), in().base(f(1, 0)).model(f(0, 1)).global("t", 0.5).merge("slerp"), 0, 1e-7);
    }

    @Test
    void coefficientsApplyToUnnormalisedInputs() {
        // normalised dot is 0 whatever the lengths; t = 1/3 gives sin(pi/3) and sin(pi/6)
        float[] out = in().base(f(2, 0)).model(f(0, 3)).global("t", 1.0 / 3).merge("slerp");
        close(f(2 * Math.sin(Math.PI / 3), 3 * Math.sin(Math.PI / 6)), out, 0, 2e-7);
    }

    @Test
    void sixtyDegrees() {
        // v0 = (1, 0), v1 = (cos 60, sin 60): result at t is (cos 60t, sin 60t)
        float[] out = in().base(f(1, 0)).model(f(0.5, Math.sqrt(3) / 2)).global("t", 0.25).merge("slerp");
        close(f(Math.cos(Math.PI / 12), Math.sin(Math.PI / 12)), out, 1e-7, 1e-6);
    }

    @Test
    void endpointsAreExact() {
        float[] a = Fixtures.random(3, 777, 1);
        float[] b = Fixtures.random(4, 777, 1);
        assertArrayEquals(a, in().base(a).model(b).global("t", 0).merge("slerp"));
        assertArrayEquals(b, in().base(a).model(b).global("t", 1).merge("slerp"));
    }

    @Test
    void nearlyParallelFallsBackToLerp() {
        // cos = 1 / sqrt(1.0001) = 0.99995 > 0.9995, so (1 - t) v0 + t v1 in float32
        float[] out = in().base(f(1, 0)).model(f(1, 0.01)).global("t", 0.3).merge("slerp");
        assertArrayEquals(new float[] {0.7f * 1 + 0.3f * 1, 0.7f * 0 + 0.3f * 0.01f}, out);
    }

    @Test
    void antiparallelFallsBackToLerp() {
        assertArrayEquals(f(0.5, 1), in().base(f(1, 2)).model(f(-1, -2)).global("t", 0.25).merge("slerp"));
    }

    @Test
    void zeroBaseIsNotNormalised() {
        // norm 0 <= eps: dot 0, theta pi/2
        close(f(0, 2 * S45), in().base(f(0, 0)).model(f(0, 2)).global("t", 0.5).merge("slerp"), 0, 1e-7);
    }

    @Test
    void modelCounts() {
        assertArrayEquals(f(1, 2), in().base(f(1, 2)).global("t", 0.5).merge("slerp"));
        assertThrows(UserError.class, () -> in().base(f(1)).model(f(2)).model(f(3)).global("t", 0.5).merge("slerp"));
    }
}
