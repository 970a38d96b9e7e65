package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Gradient and filter evaluation against mergekit's evaluate_setting. Golden values are worked by hand from
 * s = t (n - 1), i0 = floor(s), f = s - i0, v = (1 - f) a[i0] + f a[i1]; the layer positions t = i / (L - 1) are those
 * of an L-layer slice. Tolerance: exact, or 1e-15 absolute where the hand value is a repeating decimal.
 */
class ParameterValueTest {
    private static final double EPS = 1e-15;

    private static double[] overLayers(Gradient g, int layers) {
        double[] out = new double[layers];
        for (int i = 0; i < layers; i++) {
            out[i] = g.at(layers > 1 ? (double) i / (layers - 1) : 1.0);
        }
        return out;
    }

    @Test
    void twoAnchorsOverFiveLayersAreEvenlySpaced() {
        double[] v = overLayers(Gradient.of(0, 1), 5);
        assertEquals(0.0, v[0]);
        assertEquals(0.25, v[1]);
        assertEquals(0.5, v[2]);
        assertEquals(0.75, v[3]);
        assertEquals(1.0, v[4]);
    }

    @Test
    void threeAnchorsOverFourLayers() {
        // t = 0, 1/3, 2/3, 1 -> s = 0, 2/3, 4/3, 2 -> 0, (2/3)*0.5, 0.5 + (1/3)*0.5, 1
        double[] v = overLayers(Gradient.of(0, 0.5, 1), 4);
        assertEquals(0.0, v[0]);
        assertEquals(1.0 / 3, v[1], EPS);
        assertEquals(2.0 / 3, v[2], EPS);
        assertEquals(1.0, v[3]);
    }

    @Test
    void nonMonotoneAnchorsInterpolatePiecewise() {
        // mergekit's gradient-slerp example shape: [0, 0.5, 0.3, 0.7, 1] over 9 layers, t = k/8, s = k/2
        double[] v = overLayers(Gradient.of(0, 0.5, 0.3, 0.7, 1), 9);
        double[] expected = {0, 0.25, 0.5, 0.4, 0.3, 0.5, 0.7, 0.85, 1};
        for (int k = 0; k < 9; k++) {
            assertEquals(expected[k], v[k], 1e-15, "layer " + k);
        }
    }

    @Test
    void firstAndLastLayerHitTheEndAnchorsExactly() {
        Gradient g = Gradient.of(0.1, 0.9, 0.3);
        double[] v = overLayers(g, 7);
        assertEquals(0.1, v[0]);
        assertEquals(0.3, v[6]);
    }

    @Test
    void singleAnchorIsConstant() {
        Gradient g = Gradient.of(0.42);
        for (double t : new double[] {0, 0.3, 1}) {
            assertEquals(0.42, g.at(t));
        }
    }

    @Test
    void singleLayerSliceUsesTheLastAnchor() {
        // mergekit sets t = 1 for a one-layer slice
        assertEquals(9.0, overLayers(Gradient.of(1, 5, 9), 1)[0]);
    }

    @Test
    void moreAnchorsThanLayersSkipsAnchors() {
        // 5 anchors over 2 layers: t = 0 and 1 only touch a[0] and a[4]
        assertEquals(7.0, overLayers(Gradient.of(7, -100, -100, -100, 3), 2)[0]);
        assertEquals(3.0, overLayers(Gradient.of(7, -100, -100, -100, 3), 2)[1]);
    }

    @Test
    void tOutsideUnitIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Gradient.of(0, 1).at(1.5));
        assertThrows(IllegalArgumentException.class, () -> Gradient.of(0, 1).at(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Gradient.of(0, 1).at(Double.NaN));
    }

    @Test
    void emptyOrNonFiniteGradientsAreRefused() {
        assertThrows(IllegalArgumentException.class, Gradient::of);
        assertThrows(IllegalArgumentException.class, () -> Gradient.of(0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new Scalar.Num(Double.NaN));
    }

    @Test
    void filtersMatchSubstringsFirstMatchWinsWithNestedGradients() {
        Filtered f = Filtered.of(
                Filtered.Entry.when("self_attn", Gradient.of(0, 1)),
                Filtered.Entry.when("attn", Scalar.of(0.9)),
                Filtered.Entry.when("mlp", Gradient.of(1, 0)),
                Filtered.Entry.otherwise(Scalar.of(0.5)));
        String q = "model.layers.3.self_attn.q_proj.weight";
        assertEquals(Optional.of(Scalar.of(0.25)), f.evaluate(q, 0.25));
        assertEquals(Optional.of(Scalar.of(0.75)), f.evaluate("model.layers.3.mlp.up_proj.weight", 0.25));
        assertEquals(Optional.of(Scalar.of(0.9)), f.evaluate("model.layers.3.cross_attn.k.weight", 0.25));
        assertEquals(Optional.of(Scalar.of(0.5)), f.evaluate("model.norm.weight", 0.0));
    }

    @Test
    void noMatchingFilterIsAbsent() {
        Filtered f = Filtered.of(Filtered.Entry.when("mlp", Scalar.of(1.0)));
        assertEquals(Optional.empty(), f.evaluate("model.embed_tokens.weight", 0.0));
    }

    @Test
    void starFilterMatchesEverythingButOtherFiltersNeedATensorName() {
        Filtered star = Filtered.of(Filtered.Entry.when("*", Scalar.of(2.0)));
        assertEquals(Optional.of(Scalar.of(2.0)), star.evaluate(null, 0));
        Filtered empty = Filtered.of(Filtered.Entry.when("", Scalar.of(2.0)));
        assertEquals(Optional.empty(), empty.evaluate(null, 0));
        assertEquals(Optional.empty(), empty.evaluate("", 0));
        assertEquals(Optional.of(Scalar.of(2.0)), empty.evaluate("x", 0));
    }

    @Test
    void filterEntriesDoNotNest() {
        Filtered inner = Filtered.of(Filtered.Entry.otherwise(Scalar.of(1.0)));
        assertThrows(IllegalArgumentException.class, () -> Filtered.Entry.otherwise(inner));
    }

    @Test
    void scalarsExposeTheMergekitNumericView() {
        assertEquals(1.0, Scalar.of(true).asDouble());
        assertEquals(0.0, Scalar.of(false).asDouble());
        assertTrue(Scalar.of(0.3).asBoolean());
        assertFalse(Scalar.of(0.0).asBoolean());
        assertThrows(IllegalArgumentException.class, () -> Scalar.of("0.5"));
        assertThrows(IllegalArgumentException.class, () -> Scalar.of("Off"));
        assertThrows(IllegalArgumentException.class, () -> Scalar.of("-inf"));
        assertThrows(IllegalStateException.class, () -> Scalar.of("ramp").asDouble());
    }
}
