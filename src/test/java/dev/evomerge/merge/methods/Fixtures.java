package dev.evomerge.merge.methods;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;

/** Builders for method tests. */
final class Fixtures {
    static final ForkJoinPool ONE = new ForkJoinPool(1);
    static final ForkJoinPool FOUR = new ForkJoinPool(4);
    static final Execution SCALAR_1 = new Execution(ONE, false);
    static final Execution SIMD_4 = new Execution(FOUR, true);
    static final Execution SIMD_1 = new Execution(ONE, true);
    static final Execution SCALAR_4 = new Execution(FOUR, false);

    private Fixtures() {
    }

    /** Fluent builder of a TensorInput. */
    static final class In {
        String name = "model.layers.0.mlp.up_proj.weight";
        long[] shape;
        float[] base;
        final List<float[]> models = new ArrayList<>();
        final List<Map<String, Double>> params = new ArrayList<>();
        final Map<String, Double> global = new HashMap<>();
        long seed = 42;

        In name(String n) {
            name = n;
            return this;
        }

        In shape(long... s) {
            shape = s;
            return this;
        }

        In base(float... b) {
            base = b;
            return this;
        }

        In model(float[] x, Object... kv) {
            models.add(x);
            Map<String, Double> m = new HashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                m.put((String) kv[i], toDouble(kv[i + 1]));
            }
            params.add(m);
            return this;
        }

        In global(String k, Object v) {
            global.put(k, toDouble(v));
            return this;
        }

        In seed(long s) {
            seed = s;
            return this;
        }

        TensorInput build() {
            long[] s = shape;
            if (s == null) {
                int n = base != null ? base.length : models.get(0).length;
                s = new long[] {n};
            }
            return new TensorInput(name, s, base, models.toArray(new float[0][]), params, global, seed);
        }

        float[] merge(String method) {
            return MergeMethods.get(method).merge(build(), SIMD_4);
        }

        float[] merge(String method, Execution ex) {
            return MergeMethods.get(method).merge(build(), ex);
        }
    }

    static In in() {
        return new In();
    }

    private static double toDouble(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        return ((Number) v).doubleValue();
    }

    static float[] random(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    static float[] plus(float[] a, float[] d) {
        float[] x = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            x[i] = a[i] + d[i];
        }
        return x;
    }

    static float[] f(double... v) {
        float[] x = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = (float) v[i];
        }
        return x;
    }

    /**
     * {@code m}'s chunked path over {@code in}'s arrays, blocks in order, or null when it has none for this tensor
     * (then callers compare nothing).
     */
    static float[] streamed(MergeMethod m, TensorInput in, Execution ex) {
        TensorSpec spec = new TensorSpec(in.tensorName(), in.shape(), in.base() != null, in.modelParams(),
                in.globalParams(), in.seed());
        ChunkReader reader = new ChunkReader() {
            @Override
            public void read(int input, int from, int len, float[] dst) {
                System.arraycopy(input == BASE ? in.base() : in.model(input), from, dst, 0, len);
            }

            @Override
            public float get(int input, int index) {
                return input == BASE ? in.base()[index] : in.model(input)[index];
            }
        };
        var chunked = m.chunked(spec, reader, ex);
        if (chunked.isEmpty()) {
            return null;
        }
        float[] out = new float[in.numel()];
        ChunkedMerge cm = chunked.get();
        for (int lo = 0; lo < cm.numel(); lo += ChunkedMerge.BLOCK) {
            cm.mergeBlock(lo, Math.min(cm.numel(), lo + ChunkedMerge.BLOCK),
                    (from, values, len) -> System.arraycopy(values, 0, out, from, len));
        }
        return out;
    }

    /** Asserts element-wise closeness with |a - e| <= abs + rel * |e|. */
    static void close(float[] expected, float[] actual, double abs, double rel) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double tol = abs + rel * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                org.junit.jupiter.api.Assertions.fail("element " + i + ": expected " + expected[i] + " but was "
                        + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
