package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LlamaModelTest {
    /** Stated tolerance of the issue: |runtime - reference| <= ABS + REL * |reference|. */
    static final double ABS = 1e-4;
    static final double REL = 1e-4;

    static RuntimeOptions opts() {
        return RuntimeOptions.defaults().withIntraOpThreads(1);
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("llama (llama3 rope_scaling, GQA 2, untied)", (Supplier<ObjectNode>) TinyModels::llamaJson, DType.F32),
                Arguments.of("mistral (sliding window 5, MHA, untied)", (Supplier<ObjectNode>) TinyModels::mistralJson, DType.F32),
                Arguments.of("qwen2 (qkv bias, MQA, tied)", (Supplier<ObjectNode>) TinyModels::qwen2Json, DType.F32),
                Arguments.of("llama bf16", (Supplier<ObjectNode>) TinyModels::llamaJson, DType.BF16),
                Arguments.of("qwen2 f16", (Supplier<ObjectNode>) TinyModels::qwen2Json, DType.F16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void logitsMatchThePlainJavaReference(String name, Supplier<ObjectNode> json, DType dtype) {
        ModelConfig c = ModelConfig.fromJson(json.get());
        try (InMemoryTensors w = TinyModels.random(c, 42, dtype);
             LlamaModel m = LlamaModel.fromTensors(c, w, null, opts())) {
            ReferenceForward ref = new ReferenceForward(c, w);
            List<int[]> seqs = TinyModels.randomSequences(7, 3, 1, 20, c.vocabSize());
            float[][][] got = m.logits(seqs);
            for (int i = 0; i < seqs.size(); i++) {
                assertClose(ref.logits(seqs.get(i)), got[i], name + " seq " + i);
            }
        }
    }

    static void assertClose(float[][] want, float[][] got, String what) {
        assertEquals(want.length, got.length, what);
        double worst = 0;
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t].length, got[t].length, what);
            for (int v = 0; v < want[t].length; v++) {
                double err = Math.abs(want[t][v] - got[t][v]);
                double tol = ABS + REL * Math.abs(want[t][v]);
                assertTrue(err <= tol, what + " t=" + t + " v=" + v + ": want " + want[t][v] + " got " + got[t][v]);
                worst = Math.max(worst, err);
            }
        }
        assertTrue(worst >= 0);
    }

    static void assertSame(float[] a, float[] b) {
        assertArrayEquals(a, b, 0f);
    }
}
