package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class NearSwapTest {
    @Test
    void byHand() {
        // |a - b| = 2, 0.5, 0: w = 0.25 / 2 = 0.125, 0.25 / 0.5 = 0.5, 0.25 / 1e-6 -> 1
        float[] out = in().base(f(1, 2, 3)).model(f(3, 2.5, 3)).global("t", 0.25).merge("nearswap");
        assertArrayEquals(new float[] {0.125f * 3 + 0.875f * 1, 0.5f * 2.5f + 0.5f * 2, 3}, out);
    }

    @Test
    void identities() {
        float[] a = Fixtures.random(1, 1001, 1);
        float[] b = Fixtures.random(2, 1001, 1);
        assertArrayEquals(a, in().base(a).model(b).global("t", 0).merge("nearswap"), "t = 0 keeps the base");
        assertArrayEquals(b, in().base(a).model(b).global("t", 1e9).merge("nearswap"), "a large t takes the model");
        assertArrayEquals(a, in().base(a).model(a).global("t", 0.3).merge("nearswap"), "equal inputs");
        assertArrayEquals(a, in().base(a).global("t", 0.3).merge("nearswap"), "the base alone");
        float[] between = in().base(a).model(b).global("t", 0.5).merge("nearswap");
        for (int i = 0; i < a.length; i++) {
            float lo = Math.min(a[i], b[i]);
            float hi = Math.max(a[i], b[i]);
            assertTrue(between[i] >= lo && between[i] <= hi, "element " + i + " lies between the inputs");
        }
    }

    @Test
    void refusals() {
        UserError two = assertThrows(UserError.class, () -> in().base(f(1)).model(f(2)).model(f(3)).global("t", 0.1)
                .merge("nearswap"));
        assertTrue(two.getMessage().contains("exactly one other model"), two.getMessage());
        UserError noBase = assertThrows(UserError.class, () -> in().model(f(2)).global("t", 0.1).merge("nearswap"));
        assertTrue(noBase.getMessage().contains("needs a base_model"), noBase.getMessage());
        UserError negative = assertThrows(UserError.class, () -> MergeMethods.get("nearswap").validate("w",
                java.util.List.of(java.util.Map.of()), java.util.Map.of("t", -0.1)));
        assertTrue(negative.getMessage().contains("must be in [0, inf)"), negative.getMessage());
    }
}
