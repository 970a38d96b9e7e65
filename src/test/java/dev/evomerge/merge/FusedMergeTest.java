package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.merge.methods.ChunkedMerge;
import dev.evomerge.merge.methods.MergeMethods;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fused path (chunks decoded from the source bytes, statistics in streaming passes) against the whole-tensor
 * path ({@code MergeMethod.merge} on decoded arrays): bit for bit, for every fused method, on sizes around the chunk
 * and block edges and past the sampled-selection threshold, F32 and BF16 sources, 1 and 3 threads, SIMD and scalar.
 */
class FusedMergeTest {
    private static final int SAMPLED = 4 * 65_536 + 7;
    private static final int[] SIZES = {0, 1, 17, ChunkedMerge.CHUNK + 3, ChunkedMerge.BLOCK + 5, SAMPLED};
    private static final List<MergeEngine> ENGINES = List.of(new MergeEngine(1, false), new MergeEngine(3, true),
            new MergeEngine(1, true), new MergeEngine(3, false));

    @AfterAll
    static void close() {
        ENGINES.forEach(MergeEngine::close);
    }

    /** Per method: global parameters and per-model parameters for three models. */
    private static final Map<String, Object[]> RECIPES = Map.of(
            "linear", new Object[] {Map.of(), List.of(Map.of("weight", 0.5), Map.of("weight", 0.3),
                    Map.of("weight", -0.2))},
            "task_arithmetic", new Object[] {Map.of("lambda", 0.9), List.of(Map.of("weight", 0.5),
                    Map.of("weight", 0.3), Map.of("weight", 0.7))},
            "ties", new Object[] {Map.of(), List.of(Map.of("weight", 0.5, "density", 0.5),
                    Map.of("weight", 0.3, "density", 0.3), Map.of("weight", 0.7, "density", 0.9))},
            "dare_ties", new Object[] {Map.of(), List.of(Map.of("weight", 0.5, "density", 0.5),
                    Map.of("weight", 0.3, "density", 0.3), Map.of("weight", 0.7, "density", 1.0))},
            "dare_linear", new Object[] {Map.of("normalize", 1.0), List.of(Map.of("weight", 0.5, "density", 0.6),
                    Map.of("weight", -0.3, "density", 0.2), Map.of("weight", 0.7, "density", 0.9))},
            "breadcrumbs", new Object[] {Map.of("rescale", 1.0), List.of(
                    Map.of("weight", 0.5, "density", 0.6, "gamma", 0.05),
                    Map.of("weight", 0.3, "density", 0.9, "gamma", 0.2),
                    Map.of("weight", 0.7, "density", 0.4, "gamma", 0.0))},
            "breadcrumbs_ties", new Object[] {Map.of(), List.of(
                    Map.of("weight", 0.5, "density", 0.6, "gamma", 0.05),
                    Map.of("weight", 0.3, "density", 0.5, "gamma", 0.01),
                    Map.of("weight", 0.7, "density", 0.8, "gamma", 0.1))});

    @Test
    void fusedPathIsBitIdenticalToTheWholeTensorPath() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            for (int n : SIZES) {
                try (InMemoryTensors src = sources(dtype, n, 7 + n)) {
                    for (String method : RECIPES.keySet()) {
                        List<MergeEngine> engines = n == SAMPLED ? ENGINES.subList(0, 2) : ENGINES;
                        for (MergeEngine engine : engines) {
                            compare(engine, task(method, src, n, DType.F32), method + " " + dtype + " n=" + n);
                        }
                    }
                }
            }
        }
    }

    @Test
    void mixedSourceDtypesAndF16AreFusedToo() {
        int n = ChunkedMerge.BLOCK + 333;
        try (InMemoryTensors src = new InMemoryTensors()) {
            SplittableRandom r = new SplittableRandom(5);
            float[] base = gaussian(r, n, 1);
            put(src, "base", DType.F16, base);
            put(src, "m0", DType.BF16, plus(base, gaussian(r, n, 0.01)));
            put(src, "m1", DType.F32, plus(base, gaussian(r, n, 0.02)));
            put(src, "m2", DType.F16, plus(base, gaussian(r, n, 0.01)));
            for (String method : List.of("ties", "dare_ties", "linear")) {
                compare(ENGINES.get(1), task(method, src, n, DType.BF16), method);
            }
        }
    }

    @Test
    void dellaIsFusedWhileCopiesAndConversionsStayOnTheWholeTensorPath() {
        int n = 300;
        try (InMemoryTensors src = sources(DType.BF16, n, 3)) {
            TensorInfo out = new TensorInfo("t", DType.F32, new long[] {3, 100});
            TensorTask della = new TensorTask(out, MergeMethods.get("della"), input(src, "base"),
                    List.of(input(src, "m0"), input(src, "m1")), List.of(Map.of("weight", 0.5, "density", 0.5),
                    Map.of("weight", 0.5, "density", 0.5)), Map.of(), 1);
            compare(ENGINES.get(0), della, "della");
            TensorTask copy = new TensorTask(out, null, null, List.of(input(src, "m0")), List.of(Map.of()),
                    Map.of(), 1);
            assertNull(ENGINES.get(0).mergeFused(copy));
        }
    }

    private static void compare(MergeEngine engine, TensorTask task, String what) {
        float[] whole;
        try {
            whole = engine.merge(task);
        } catch (UserError e) {
            UserError fused = assertThrows(UserError.class, () -> engine.mergeFused(task), what);
            assertEquals(e.getMessage(), fused.getMessage(), what);
            return;
        }
        float[] fused = engine.mergeFused(task);
        assertNotNull(fused, what + " is fused");
        assertArrayEquals(whole, fused, what);
    }

    @SuppressWarnings("unchecked")
    private static TensorTask task(String method, InMemoryTensors src, int n, DType outType) {
        Object[] recipe = RECIPES.get(method);
        boolean base = !method.equals("linear");
        TensorInfo out = new TensorInfo("model.layers.0.mlp.up_proj.weight", outType, new long[] {n});
        return new TensorTask(out, MergeMethods.get(method), base ? input(src, "base") : null,
                List.of(input(src, "m0"), input(src, "m1"), input(src, "m2")),
                (List<Map<String, Double>>) recipe[1], (Map<String, Double>) recipe[0], 11);
    }

    private static TensorTask.Input input(InMemoryTensors src, String name) {
        return new TensorTask.Input(name, src, name);
    }

    /** A base and three fine-tunes: small deltas, one of them on a coarse grid so magnitudes tie a lot. */
    private static InMemoryTensors sources(DType dtype, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] base = gaussian(r, n, 0.02);
        InMemoryTensors src = new InMemoryTensors();
        put(src, "base", dtype, base);
        put(src, "m0", dtype, plus(base, gaussian(r, n, 2e-4)));
        float[] tied = new float[n];
        for (int i = 0; i < n; i++) {
            tied[i] = base[i] + (r.nextInt(7) - 3) * 0x1p-12f;
        }
        put(src, "m1", dtype, tied);
        put(src, "m2", dtype, plus(base, gaussian(r, n, 1e-3)));
        return src;
    }

    private static void put(InMemoryTensors src, String name, DType dtype, float[] values) {
        MemorySegment seg = src.allocate(new TensorInfo(name, dtype, new long[] {values.length}));
        FloatCodec.encode(dtype, values, 0, seg, 0, values.length);
    }

    private static float[] gaussian(SplittableRandom r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(1e-12, 1);
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return v;
    }

    private static float[] plus(float[] a, float[] b) {
        float[] c = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] + b[i];
        }
        return c;
    }

}
