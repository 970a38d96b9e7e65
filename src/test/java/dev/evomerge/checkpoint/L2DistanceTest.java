package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class L2DistanceTest {
    @Test
    void distanceAndNormByHand() {
        try (InMemoryTensors c = new InMemoryTensors(); InMemoryTensors b = new InMemoryTensors()) {
            c.putF32("w", new long[] {2}, new float[] {4, 6});
            b.putF32("w", new long[] {2}, new float[] {1, 2});
            L2Distance.Value r = L2Distance.l2(c, b);
            assertEquals(5.0, r.distance(), 0);
            assertEquals(Math.sqrt(5), r.baseNorm(), 1e-15);
        }
    }

    @Test
    void nanOrInfWeightsAreAUserErrorNamingTheTensorAndSide() {
        try (InMemoryTensors c = new InMemoryTensors(); InMemoryTensors b = new InMemoryTensors()) {
            c.putF32("w", new long[] {3}, new float[] {1, Float.NaN, 2});
            b.putF32("w", new long[] {3}, new float[] {1, 1, Float.NEGATIVE_INFINITY});
            UserError e = assertThrows(UserError.class, () -> L2Distance.l2(c, b));
            assertTrue(e.getMessage().startsWith("tensor 'w' of the candidate ") && e.getMessage().contains(
                    "holds NaN at element 1"), e.getMessage());
            UserError e2 = assertThrows(UserError.class, () -> L2Distance.l2(b, c));
            assertTrue(e2.getMessage().contains("of the base") && e2.getMessage().contains("NaN at element 1"),
                    e2.getMessage());
        }
    }
}
