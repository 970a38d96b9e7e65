package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

/** multislerp and karcher: identities and hand-computed cases (goldens are in GoldenMethodsTest). */
class SphericalMeansTest {
    private static final float[] A = Fixtures.random(11, 3001, 1);
    private static final float[] B = Fixtures.random(12, 3001, 1);
    private static final float[] C = Fixtures.random(13, 3001, 1);

    @Test
    void multislerpOfEqualModelsIsTheModel() {
        float[] base = Fixtures.random(14, 3001, 1);
        float[] out = in().base(base).model(A, "weight", 0.2).model(A, "weight", 0.5).model(A, "weight", 0.3)
                .merge("multislerp");
        close(A, out, 1e-6, 1e-6);
    }

    @Test
    void multislerpWithOneWeightIsThatModel() {
        close(B, in().model(A, "weight", 0).model(B, "weight", 2).merge("multislerp"), 1e-6, 1e-6);
        assertArrayEquals(A, in().base(B).model(A, "weight", 0.4).merge("multislerp"), "one model is returned");
        assertArrayEquals(B, in().base(B).merge("multislerp"), "the base alone is returned");
    }

    @Test
    void multislerpOfOrthogonalUnitVectors() {
        // u = (1, 0), (0, 1), weights 1/2: mean direction (1, 1)/sqrt 2, mean norm 1
        float s = (float) Math.sqrt(0.5);
        close(f(s, s), in().model(f(1, 0), "weight", 1).model(f(0, 1), "weight", 1).merge("multislerp"), 0, 1e-7);
        // norms 2 and 4: the direction depends only on the weights, the length is the weighted mean norm 3
        close(f(3 * s, 3 * s), in().model(f(2, 0), "weight", 1).model(f(0, 4), "weight", 1).merge("multislerp"), 0,
                1e-7);
    }

    @Test
    void multislerpRefusesCancellingWeightsOfThreeModels() {
        UserError e = assertThrows(UserError.class, () -> in().model(f(1, 2), "weight", 0.25)
                .model(f(-1, -2), "weight", 0.5).model(f(1, 2), "weight", 0.25).merge("multislerp"));
        assertTrue(e.getMessage().contains("no direction"), e.getMessage());
        UserError zero = assertThrows(UserError.class, () -> in().model(A, "weight", 1).model(B, "weight", -1)
                .merge("multislerp"));
        assertTrue(zero.getMessage().contains("sum to 0"), zero.getMessage());
    }

    @Test
    void karcherOfEqualModelsIsTheModel() {
        close(A, in().model(A).model(A).model(A).merge("karcher"), 1e-6, 1e-6);
        assertArrayEquals(B, in().model(B).merge("karcher"), "one model is returned");
    }

    @Test
    void karcherOfTwoIsTheirSlerpMidpointAtTheMeanNorm() {
        // The Karcher mean of two directions is the geodesic midpoint: slerp at t = 1/2, then the mean norm.
        float[] a = f(3, 0);
        float[] b = f(0, 1);
        double angle = Math.PI / 4;
        close(f(2 * Math.cos(angle), 2 * Math.sin(angle)), in().model(a).model(b).merge("karcher"), 1e-7, 1e-6);
    }

    @Test
    void karcherIsSymmetricAndScalesWithItsInputs() {
        float[] abc = in().model(A).model(B).model(C).merge("karcher");
        close(abc, in().model(C).model(A).model(B).merge("karcher"), 1e-6, 1e-5);
        float[] twice = in().model(Fixtures.plus(A, A)).model(Fixtures.plus(B, B)).model(Fixtures.plus(C, C))
                .merge("karcher");
        float[] doubled = new float[abc.length];
        for (int i = 0; i < abc.length; i++) {
            doubled[i] = 2 * abc[i];
        }
        close(doubled, twice, 1e-6, 1e-5);
    }

    @Test
    void karcherOfZeroModelsIsZero() {
        assertArrayEquals(new float[3], in().model(new float[3]).model(new float[3]).merge("karcher"));
    }
}
