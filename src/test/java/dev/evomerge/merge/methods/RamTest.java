package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class RamTest {
    @Test
    void uniqueDeltasStayWholeAndSharedOnesAreAveraged() {
        // d1 = (1, 2, 0, 1e-6), d2 = (0, 4, -3, 0): element 0 only d1, 1 shared (mean 3), 2 only d2, 3 below epsilon
        float[] out = in().base(f(0, 0, 0, 0)).model(f(1, 2, 0, 1e-6)).model(f(0, 4, -3, 0)).merge("ram");
        assertArrayEquals(f(1, 3, -3, 0), out);
    }

    @Test
    void ramPlusBoostsTheUniqueDeltasOfModelsThatShare() {
        // model 1: shared 1, unique 1 -> rho 1, clamped to alpha 0.2, boost 1 + 0.1 * 0.2 = 1.02;
        // model 2: shared 1, unique 1 -> the same boost on its unique -3
        float[] out = in().base(f(0, 0, 0)).model(f(1, 2, 0)).model(f(0, 4, -3)).merge("ramplus_tl");
        float boost = 1f + 0.1f * 0.2f;
        assertArrayEquals(new float[] {1 * boost, 3, -3 * boost}, out);
        // r = 0 is ram
        assertArrayEquals(f(1, 3, -3), in().base(f(0, 0, 0)).model(f(1, 2, 0)).model(f(0, 4, -3)).global("r", 0)
                .merge("ramplus_tl"));
    }

    @Test
    void identities() {
        float[] b = Fixtures.random(31, 1001, 1);
        float[] x = Fixtures.plus(b, Fixtures.random(32, 1001, 0.1));
        float[] one = in().base(b).model(x).merge("ram");
        float[] same = in().base(b).model(x).model(x).model(x).merge("ram");
        for (int i = 0; i < b.length; i++) {
            float d = x[i] - b[i];
            float want = b[i] + (Math.abs(d) > 1e-5f ? d : 0f);
            org.junit.jupiter.api.Assertions.assertEquals(want, one[i], "one model: its significant deltas");
        }
        Fixtures.close(one, same, 1e-7, 1e-6);
        assertArrayEquals(b, in().base(b).merge("ramplus_tl"), "the base alone");
    }
}
