package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The methods whose statistics span a whole tensor, row or column (slerp, nuslerp, model_stock, della, sce): the
 * chunked path against the whole-tensor path, bit for bit, on shapes whose rows, columns and sizes straddle the
 * chunk and block edges, with 1 and 4 threads, SIMD and scalar.
 */
class StreamedWholeTensorMethodsTest {
    /** {rows, columns}: single elements, rows longer than a chunk, tensors just over one and two blocks. */
    private static final int[][] SHAPES = {{1, 1}, {1, 17}, {3, Blocks.CHUNK + 3}, {17, 3857},
        {Blocks.BLOCK / 64 + 3, 64}, {5, 2 * Blocks.BLOCK / 5 + Blocks.CHUNK + 1}};

    private static final List<Execution> EXECUTIONS = List.of(Fixtures.SIMD_4, Fixtures.SCALAR_1, Fixtures.SCALAR_4);

    @Test
    void chunkedEqualsWhole() {
        for (int[] shape : SHAPES) {
            int n = shape[0] * shape[1];
            float[] b = Fixtures.random(n, n, 1);
            float[] x = Fixtures.plus(b, Fixtures.random(n + 1, n, 0.01));
            float[] y = Fixtures.plus(b, Fixtures.random(n + 2, n, 0.01));
            float[] z = Fixtures.plus(b, Fixtures.random(n + 3, n, 0.01));
            long[] dims = {shape[0], shape[1]};
            check("slerp", in().shape(dims).base(b).model(x).global("t", 0.3), dims);
            check("slerp", in().shape(dims).base(b).global("t", 0.3), dims);
            for (boolean flatten : new boolean[] {true, false}) {
                for (boolean rowWise : new boolean[] {true, false}) {
                    check("nuslerp", in().shape(dims).model(x, "weight", 0.4).model(y, "weight", 0.6)
                            .global("nuslerp_flatten", flatten).global("nuslerp_row_wise", rowWise), dims);
                    check("nuslerp", in().shape(dims).base(b).model(x, "weight", 0.4).model(y, "weight", 0.6)
                            .global("nuslerp_flatten", flatten).global("nuslerp_row_wise", rowWise), dims);
                }
            }
            for (boolean filterWise : new boolean[] {true, false}) {
                check("model_stock", in().shape(dims).base(b).model(x).model(y).model(z)
                        .global("filter_wise", filterWise), dims);
            }
            for (double topk : new double[] {1, 0.5, 0.1, 0}) {
                check("sce", in().shape(dims).base(b).model(x).model(y).model(z).global("select_topk", topk), dims);
            }
            if (shape[1] >= 2) {
                check("della", in().shape(dims).base(b).model(x, "weight", 0.5, "density", 0.5)
                        .model(y, "weight", 0.7, "density", 0.3, "epsilon", 0.1), dims);
                check("della_linear", in().shape(dims).base(b).model(x, "weight", 0.5, "density", 0.5)
                        .model(y, "weight", 0.7, "density", 0.6), dims);
            }
        }
    }

    /**
     * sce's selection where many elements share the k-th largest variance, so only the first of them by index are
     * kept, across chunk and block edges.
     */
    @Test
    void sceTiesAtTheThresholdChunkedEqualsWhole() {
        int n = 2 * Blocks.BLOCK + Blocks.CHUNK + 5;
        float[] b = new float[n];
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            // three variance levels, the middle one shared by a third of the elements
            x[i] = 0.01f * (i % 3);
            y[i] = -x[i];
        }
        long[] dims = {n};
        for (double topk : new double[] {0.2, 0.5, 0.9}) {
            check("sce", in().shape(dims).base(b).model(x).model(y).global("select_topk", topk), dims);
        }
    }

    /** Della ranks along dimension 1 of a 3-D tensor too, where a row's elements are strided. */
    @Test
    void dellaStridedRowsChunkedEqualsWhole() {
        long[] dims = {3, 5, Blocks.CHUNK + 7};
        int n = (int) (dims[0] * dims[1] * dims[2]);
        float[] b = Fixtures.random(7, n, 1);
        float[] x = Fixtures.plus(b, Fixtures.random(8, n, 0.01));
        float[] y = Fixtures.plus(b, Fixtures.random(9, n, 0.01));
        check("della", in().shape(dims).base(b).model(x, "weight", 0.5, "density", 0.5)
                .model(y, "weight", 0.7, "density", 0.4), dims);
    }

    private static void check(String method, Fixtures.In in, long[] dims) {
        MergeMethod m = MergeMethods.get(method);
        TensorInput input = in.build();
        float[] whole = m.merge(input, Fixtures.SCALAR_1);
        for (Execution ex : EXECUTIONS) {
            float[] streamed = Fixtures.streamed(m, input, ex);
            assertNotNull(streamed, method + " streams");
            String what = method + " " + java.util.Arrays.toString(dims) + " " + input.globalParams() + " " + ex;
            assertArrayEquals(whole, streamed, what);
            assertArrayEquals(whole, m.merge(input, ex), what + " (whole, this execution)");
        }
    }
}
