package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every method gives the same bits on 1 or 3 threads, SIMD or scalar, on a tensor of several blocks. */
class DeterminismTest {
    private static final ForkJoinPool THREE = new ForkJoinPool(3);

    @ParameterizedTest
    @ValueSource(strings = {"linear", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
        "breadcrumbs_ties", "della", "della_linear", "slerp", "nuslerp", "model_stock", "passthrough"})
    void sameBitsWhateverTheThreadsAndKernels(String name) {
        int rows = 300;
        int cols = 701;
        int n = rows * cols;
        float[] base = Fixtures.random(1, n, 1);
        float[] a = Fixtures.plus(base, Fixtures.random(2, n, 0.01));
        float[] b = Fixtures.plus(base, Fixtures.random(3, n, 0.01));
        MergeMethod m = MergeMethods.get(name);
        Fixtures.In input = in().shape(rows, cols).seed(3);
        switch (m.baseModelUse()) {
            case NONE -> {
                if (name.equals("passthrough")) {
                    input.model(a, "scale", 0.5);
                } else {
                    input.model(a, "weight", 0.3).model(b, "weight", 0.5);
                }
            }
            case OPTIONAL -> input.base(base).model(a, "weight", 0.3).model(b, "weight", 0.5)
                    .global("nuslerp_flatten", false);
            case REQUIRED -> {
                input.base(base);
                if (name.equals("slerp")) {
                    input.model(a).global("t", 0.3);
                } else if (name.equals("model_stock")) {
                    input.model(a).model(b).global("filter_wise", true);
                } else {
                    input.model(a, "weight", 0.3, "density", 0.4).model(b, "weight", 0.5, "density", 0.6);
                }
            }
        }
        float[] ref = input.merge(name, Fixtures.SCALAR_1);
        assertArrayEquals(ref, input.merge(name, new Execution(THREE, true)), name);
        assertArrayEquals(ref, input.merge(name, new Execution(THREE, false)), name);
        assertArrayEquals(ref, input.merge(name, Fixtures.SIMD_1), name);
    }
}
