package dev.evomerge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AdamTest {
    private static double backwardAndStep(Adam adam, NDArray p, Function<NDArray, NDArray> loss, double lr) {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            gc.backward(loss.apply(p));
        }
        return adam.step(lr, 1.0);
    }

    @Test
    void nonFiniteGradientSkipsTheUpdateAndLeavesNoNaNBehind() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray p = m.create(new float[] {1f, -2f});
            p.setRequiresGradient(true);
            try (Adam adam = new Adam(m, Map.of("p", p))) {
                double norm = backwardAndStep(adam, p, x -> x.mul(Float.POSITIVE_INFINITY).sum(), 0.1);
                assertEquals(Double.POSITIVE_INFINITY, norm);
                assertArrayEquals(new float[] {1f, -2f}, p.toFloatArray(), "skipped update");
                // First real Adam step moves each weight by lr against the sign of its gradient (m/sqrt(v) = 1).
                norm = backwardAndStep(adam, p, x -> x.sum(), 0.1);
                assertEquals(Math.sqrt(2), norm, 1e-6);
                float[] got = p.toFloatArray();
                assertArrayEquals(new float[] {0.9f, -2.1f}, got, 1e-6f);
                assertTrue(Float.isFinite(got[0]) && Float.isFinite(got[1]));
            }
        }
    }
}
