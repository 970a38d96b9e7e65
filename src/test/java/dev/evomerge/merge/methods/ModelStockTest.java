package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class ModelStockTest {

    @Test
    void twoModelsHandComputedCos() {
        // offsets (1, 0) and (1, 1): cos = 1/sqrt 2, t = 2 cos / (1 + cos) = 0.8284271; avg (1, 0.5)
        double cos = 1 / Math.sqrt(2);
        double t = 2 * cos / (1 + cos);
        float[] out = in().base(f(0, 0)).model(f(1, 0)).model(f(1, 1)).merge("model_stock");
        close(f(t, 0.5 * t), out, 0, 1e-6);
        // shifted by a base: t * avg + (1 - t) * base
        float[] shifted = in().base(f(1, 2)).model(f(2, 2)).model(f(2, 3)).merge("model_stock");
        close(f(t * 2 + (1 - t) * 1, t * 2.5 + (1 - t) * 2), shifted, 0, 1e-6);
    }

    @Test
    void threeModelsAveragePairwiseCos() {
        // offsets e1, e2, e1+e2: cos pairs 0, 1/sqrt2, 1/sqrt2; N = 3
        double cos = (0 + 2 / Math.sqrt(2)) / 3;
        double t = 3 * cos / (1 + 2 * cos);
        float[] out = in().base(f(0, 0)).model(f(1, 0)).model(f(0, 1)).model(f(1, 1)).merge("model_stock");
        close(f(t * 2 / 3, t * 2 / 3), out, 0, 1e-6);
    }

    @Test
    void filterWiseComputesOneRatioPerRow() {
        // row 0: offsets (1, 0), (1, 1) as above; row 1: identical offsets (2, 0): cos 1, t = 1
        double cos = 1 / Math.sqrt(2);
        double t = 2 * cos / (1 + cos);
        float[] out = in().shape(2, 2).base(f(0, 0, 1, 1)).model(f(1, 0, 3, 1)).model(f(1, 1, 3, 1))
                .global("filter_wise", true).merge("model_stock");
        close(f(t, 0.5 * t, 3, 1), out, 0, 1e-6);
        // without filter_wise the whole tensor gets one ratio from the flattened offsets
        float[] flat = in().shape(2, 2).base(f(0, 0, 1, 1)).model(f(1, 0, 3, 1)).model(f(1, 1, 3, 1))
                .merge("model_stock");
        double c = 5 / (Math.sqrt(5) * Math.sqrt(6));
        double tf = 2 * c / (1 + c);
        close(f(tf, 0.5 * tf, tf * 3 + (1 - tf), 1), flat, 0, 1e-6);
    }

    @Test
    void oppositeOffsetsAreAUserError() {
        UserError e = assertThrows(UserError.class,
                () -> in().base(f(0, 0)).model(f(1, 0)).model(f(-1, 0)).merge("model_stock"));
        assertTrue(e.getMessage().contains("up_proj"), e.getMessage());
    }

    @Test
    void modelCounts() {
        assertArrayEquals(f(3, 4), in().base(f(3, 4)).merge("model_stock"));
        assertThrows(UserError.class, () -> in().base(f(3, 4)).model(f(1, 1)).merge("model_stock"));
    }
}
