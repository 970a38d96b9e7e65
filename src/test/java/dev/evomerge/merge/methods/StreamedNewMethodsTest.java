package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streamed newer methods: chunked path against the whole-tensor path, bit for bit, on sizes around the chunk
 * and block edges, with 1 and 4 threads, SIMD and scalar.
 */
class StreamedNewMethodsTest {
    private static final int[] SIZES = {1, 17, Blocks.CHUNK + 3, Blocks.BLOCK + 5, 2 * Blocks.BLOCK + Blocks.CHUNK};

    @Test
    void chunkedEqualsWhole() {
        for (int n : SIZES) {
            float[] b = Fixtures.random(n, n, 1);
            float[] x = Fixtures.plus(b, Fixtures.random(n + 1, n, 0.01));
            float[] y = Fixtures.plus(b, Fixtures.random(n + 2, n, 0.01));
            float[] z = Fixtures.plus(b, Fixtures.random(n + 3, n, 0.01));
            List<Fixtures.In> cases = List.of(
                    in().base(b).model(x).global("t", 0.005),
                    in().base(b).model(x, "weight", 0.5).model(y, "weight", 0.2).model(z, "weight", 0.3),
                    in().model(x).model(y).model(z),
                    in().base(b).model(x).model(y).model(z).global("epsilon", 0.005),
                    in().base(b).model(x).model(y).model(z).global("epsilon", 0.005),
                    in().base(b).model(x, "weight", 1).model(y, "weight", 0.5).model(z, "weight", 0.7)
                            .global("consensus_method", 1));
            List<String> methods = List.of("nearswap", "multislerp", "karcher", "ram", "ramplus_tl", "ties");
            for (int c = 0; c < cases.size(); c++) {
                MergeMethod m = MergeMethods.get(methods.get(c));
                TensorInput input = cases.get(c).build();
                for (Execution ex : List.of(Fixtures.SIMD_4, Fixtures.SCALAR_1, Fixtures.SCALAR_4)) {
                    float[] streamed = Fixtures.streamed(m, input, ex);
                    assertNotNull(streamed, m.name() + " streams");
                    assertArrayEquals(m.merge(input, ex), streamed, m.name() + " n=" + n);
                }
            }
        }
    }
}
