package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
}
