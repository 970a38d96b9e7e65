package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA path's numerics, run on the CPU: PyTorch's CPU kernels take float16 too (slowly), so the float16 model,
 * its host-side BF16 conversion and its float32 fallback are all testable on a machine without a GPU.
 */
class HalfPrecisionTest {
    /** The GPU check's bound (scripts/gpu-check.sh): max |float16 - float32| logit <= TOL x max |float32 logit|. */
    static final double TOL = 1e-2;

    /**
     * BF16 bits -> F16 bits, worked by hand: BF16 has 8 exponent and 7 mantissa bits, F16 5 and 10, so a normal BF16
     * in F16's range is exact; rounding (to nearest even) happens only below 2^-14 (F16 subnormals) and above 65504.
     */
    static final int[][] GOLDEN = {
            {0x3F80, 0x3C00},   // 1.0
            {0xBF80, 0xBC00},   // -1.0
            {0x0000, 0x0000},   // +0
            {0x8000, 0x8000},   // -0
            {0x3EAB, 0x3558},   // 0.333984375 = 1.3359375 * 2^-2: mantissa 344/1024, exponent 13
            {0x477F, 0x7BF8},   // 65280 = 1.9921875 * 2^15: largest BF16 below F16's max 65504
            {0x4780, 0x7C00},   // 65536 overflows to +inf
            {0xC780, 0xFC00},   // -65536 overflows to -inf
            {0x3880, 0x0400},   // 2^-14: smallest F16 normal
            {0x3380, 0x0001},   // 2^-24: smallest F16 subnormal
            {0x33C0, 0x0002},   // 1.5 * 2^-24: a tie, to even (2 units)
            {0x33A0, 0x0001},   // 1.25 * 2^-24: rounds down
            {0x3300, 0x0000},   // 2^-25: a tie between 0 and 1 unit, to even (0)
            {0x7F80, 0x7C00},   // +inf
            {0xFF80, 0xFC00},   // -inf
    };

    @Test
    void bf16BecomesHalfOnTheHostAsTheGoldenSays() {
        // More elements than one conversion chunk (2^16), so the chunk boundary is crossed.
        int n = (1 << 16) + 2 * GOLDEN.length + 1;
        try (Arena arena = Arena.ofConfined();
             NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            MemorySegment bf16 = arena.allocate(2L * n);
            for (int i = 0; i < n; i++) {
                bf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                        (short) GOLDEN[i % GOLDEN.length][0]);
            }
            NDArray half = Weights.bf16ToHalf(m, bf16, new Shape(n));
            assertEquals(DataType.FLOAT16, half.getDataType());
            ByteBuffer bytes = ByteBuffer.wrap(half.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                int[] g = GOLDEN[i % GOLDEN.length];
                assertEquals(g[1], bytes.getShort(2 * i) & 0xFFFF, String.format("element %d: bf16 0x%04X", i, g[0]));
            }
            MemorySegment nan = arena.allocate(2);
            nan.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x7FC0);
            assertTrue(Float.isNaN(Weights.bf16ToHalf(m, nan, new Shape(1)).toType(DataType.FLOAT32, false)
                    .getFloat(0)), "NaN stays NaN");
        }
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("llama f32", (Supplier<ObjectNode>) TinyModels::llamaJson, DType.F32),
                Arguments.of("mistral f16", (Supplier<ObjectNode>) TinyModels::mistralJson, DType.F16),
                Arguments.of("qwen2 bf16", (Supplier<ObjectNode>) TinyModels::qwen2Json, DType.BF16));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void float16LogitsAreCloseToFloat32AndReallyHalf(String name, Supplier<ObjectNode> json, DType dtype) {
        ModelConfig c = ModelConfig.fromJson(json.get());
        List<int[]> seqs = TinyModels.randomSequences(7, 3, 2, 20, c.vocabSize());
        try (InMemoryTensors w = TinyModels.random(c, 42, dtype);
             LlamaModel full = LlamaModel.fromTensors(c, w, null, LlamaModelTest.opts());
             LlamaModel half = LlamaModel.fromTensors(c, w, null,
                     LlamaModelTest.opts().withPrecision(Precision.FLOAT16))) {
            assertEquals(Precision.FLOAT16, half.precision());
            float[][][] want = full.logits(seqs);
            float[][][] got = half.logits(seqs);
            double scale = 0;
            for (float[][] seq : want) {
                for (float[] row : seq) {
                    for (float x : row) {
                        scale = Math.max(scale, Math.abs(x));
                    }
                }
            }
            double worst = 0;
            for (int i = 0; i < seqs.size(); i++) {
                for (int t = 0; t < want[i].length; t++) {
                    for (int v = 0; v < want[i][t].length; v++) {
                        worst = Math.max(worst, Math.abs(want[i][t][v] - got[i][t][v]));
                    }
                }
            }
            // Measured: worst 0.012-0.020 with logits up to 4.3 (float16's unit roundoff is 2^-11, over 3 layers).
            assertTrue(worst <= TOL * scale, name + ": worst |float16 - float32| logit " + worst + " > " + TOL
                    + " x max |logit| " + scale);
            assertTrue(worst > 1e-5, name + ": float16 logits equal float32's to " + worst + ": not computed in half");
            // Scoring and greedy generation run on the same weights; they agree with float32 on the log-probs.
            var fullScores = full.scoreTokens(seqs);
            var halfScores = half.scoreTokens(seqs);
            for (int i = 0; i < seqs.size(); i++) {
                float[] a = fullScores.get(i).logProbs();
                float[] b = halfScores.get(i).logProbs();
                for (int p = 0; p < a.length; p++) {
                    assertEquals(a[p], b[p], TOL * scale, name + " log-prob " + i + "/" + p);
                }
            }
            assertEquals(1, half.generateTokens(List.of(seqs.get(0)), 1, (r, g) -> false, true).get(0).length);
        }
    }

    @Test
    void aModelThatOverflowsHalfFallsBackToFloat32WithOneWarning() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson());
        List<String> warnings = new ArrayList<>();
        RuntimeOptions half = LlamaModelTest.opts().withPrecision(Precision.FLOAT16).withWarnings(warnings::add);
        int[] seq = {1, 5, 9, 30, 2, 77};
        try (InMemoryTensors fine = TinyModels.random(c, 3, DType.F32);
             InMemoryTensors other = TinyModels.random(c, 4, DType.F32);
             InMemoryTensors huge = new InMemoryTensors()) {
            // 1e5 is past float16's 65504: the embedding of BOS (the probe's first token) becomes infinite.
            for (String name : other.names()) {
                if (name.equals("model.embed_tokens.weight")) {
                    float[] embed = other.bytes(name).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                    embed[TinyModels.BOS * c.hiddenSize()] = 1e5f;
                    huge.putF32(name, other.info(name).shape(), embed);
                } else {
                    huge.putView(other.info(name), other.bytes(name));
                }
            }
            LlamaModel reference = LlamaModel.fromTensors(c, huge, null, LlamaModelTest.opts());
            try (LlamaModel m = LlamaModel.fromTensors(c, fine, null, half)) {
                assertEquals(Precision.FLOAT16, m.precision());
                assertEquals(List.of(), warnings);
                m.swapWeights(huge);
                assertEquals(Precision.FLOAT32, m.precision(), "after a swap onto weights float16 cannot hold");
                assertEquals(1, warnings.size(), warnings.toString());
                assertTrue(warnings.get(0).startsWith("float16 logits are not finite"), warnings.get(0));
                LlamaModelTest.assertSame(reference.logits(List.of(seq))[0][5], m.logits(List.of(seq))[0][5]);
            }
            warnings.clear();
            try (LlamaModel m = LlamaModel.fromTensors(c, huge, null, half)) {
                assertEquals(Precision.FLOAT32, m.precision(), "loaded straight onto weights float16 cannot hold");
                assertEquals(1, warnings.size(), warnings.toString());
                float[] last = m.logits(List.of(seq))[0][5];
                assertTrue(Float.isFinite(last[0]));
                LlamaModelTest.assertSame(reference.logits(List.of(seq))[0][5], last);
            } finally {
                reference.close();
            }
        }
    }
}
