package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class SceTest {
    @Test
    void byHand() {
        // d1 = (1, -1), d2 = (-3, 1): mean squares 1 and 5, weights 1/6 and 5/6. Element 0: sum -2, only d2 has the
        // majority sign, -3 * (5/6) / (5/6) = -3. Element 1: sum 0 counts as positive, again only d2: 1.
        float[] out = in().base(f(0, 0)).model(f(1, -1)).model(f(-3, 1)).merge("sce");
        close(f(-3, 1), out, 0, 1e-7);
    }

    @Test
    void identities() {
        float[] b = Fixtures.random(21, 2001, 1);
        float[] x = Fixtures.plus(b, Fixtures.random(22, 2001, 0.1));
        float[] y = Fixtures.plus(b, Fixtures.random(23, 2001, 0.1));
        assertArrayEquals(b, in().base(b).model(x).model(y).global("select_topk", 0).merge("sce"),
                "select_topk 0 keeps no delta");
        close(x, in().base(b).model(x).merge("sce"), 1e-6, 1e-6);
        close(x, in().base(b).model(x).model(x).merge("sce"), 1e-6, 1e-6);
        // identical task vectors have no variance anywhere: nothing is selected (mergekit's count of non-zero ones)
        assertArrayEquals(b, in().base(b).model(x).model(x).global("select_topk", 0.5).merge("sce"));
        assertArrayEquals(b, in().base(b).merge("sce"), "the base alone");
    }

    @Test
    void selectionKeepsTheHighestVariance() {
        // variances across the two task vectors: 0, 1, 4, 0.25; select_topk 0.5 of 3 non-zero -> int(1.5) = 1 kept
        float[] out = in().base(f(0, 0, 0, 0)).model(f(1, 1, 2, 0.5)).model(f(1, -1, -2, -0.5))
                .global("select_topk", 0.5).merge("sce");
        // element 2 kept: d = 2, -2, sum 0 -> positive majority, only d1 counts: 2
        close(f(0, 0, 2, 0), out, 0, 1e-7);
    }
}
