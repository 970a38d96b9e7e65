package dev.evomerge.merge.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The newer methods against goldens from an independent reference ({@code scripts/goldens/merge_methods.py}, torch,
 * written from the methods' definitions): each case with its tolerance, on the whole-tensor path (SIMD and scalar, 1
 * and 4 threads) and, where the method streams, the chunked path bit for bit against the whole-tensor one.
 */
class GoldenMethodsTest {
    private static final JsonNode CASES = load();

    private static JsonNode load() {
        try (InputStream s = GoldenMethodsTest.class.getResourceAsStream("goldens.json")) {
            return new ObjectMapper().readTree(s).get("cases");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nearswap", "multislerp", "karcher", "sce", "ties", "ram", "ramplus_tl", "arcee_fusion"})
    void matchesTheReference(String method) {
        int seen = 0;
        for (JsonNode c : CASES) {
            if (!c.get("method").asText().equals(method)) {
                continue;
            }
            seen++;
            TensorInput in = input(c);
            String what = method + " (" + c.get("note").asText() + ")";
            float[] expected = floats(c.get("expected"));
            double abs = c.get("abs").asDouble();
            double rel = c.get("rel").asDouble();
            MergeMethod m = MergeMethods.get(method);
            float[] whole = m.merge(in, Fixtures.SIMD_4);
            closeOrEqual(what, expected, whole, abs, rel);
            for (Execution ex : List.of(Fixtures.SCALAR_1, Fixtures.SIMD_1, Fixtures.SCALAR_4)) {
                assertArrayEquals(whole, m.merge(in, ex), what + ": thread count or SIMD changed the result");
                float[] streamed = Fixtures.streamed(m, in, ex);
                if (streamed != null) {
                    assertArrayEquals(whole, streamed, what + ": chunked path differs from the whole-tensor path");
                }
            }
        }
        assertFalse(seen == 0, "no golden case for " + method);
    }

    private static void closeOrEqual(String what, float[] expected, float[] actual, double abs, double rel) {
        if (abs == 0 && rel == 0) {
            assertArrayEquals(expected, actual, what);
        } else {
            try {
                Fixtures.close(expected, actual, abs, rel);
            } catch (AssertionError e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            }
        }
    }

    private static TensorInput input(JsonNode c) {
        List<Long> shape = new ArrayList<>();
        c.get("shape").forEach(d -> shape.add(d.asLong()));
        long[] s = shape.stream().mapToLong(Long::longValue).toArray();
        float[] base = c.get("base").isNull() ? null : floats(c.get("base"));
        List<float[]> models = new ArrayList<>();
        c.get("models").forEach(m -> models.add(floats(m)));
        List<Map<String, Double>> params = new ArrayList<>();
        MergeMethod method = MergeMethods.get(c.get("method").asText());
        c.get("model_params").forEach(p -> params.add(numbers(p, method.modelParams())));
        return new TensorInput("model.layers.0.mlp.up_proj.weight", s, base, models.toArray(new float[0][]), params,
                numbers(c.get("global_params"), method.globalParams()), 42);
    }

    /** Parameters as the planner resolves them: booleans as 1/0, a choice's word as its index. */
    private static Map<String, Double> numbers(JsonNode o, List<Param> decls) {
        Map<String, Double> m = new HashMap<>();
        o.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            double x = v.isBoolean() ? (v.asBoolean() ? 1.0 : 0.0)
                    : v.isTextual() ? decls.stream().filter(p -> p.name().equals(e.getKey())).findFirst()
                            .orElseThrow().encode(v.asText()).orElseThrow()
                    : v.asDouble();
            m.put(e.getKey(), x);
        });
        return m;
    }

    private static float[] floats(JsonNode a) {
        float[] x = new float[a.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) a.get(i).asDouble();
        }
        return x;
    }
}
