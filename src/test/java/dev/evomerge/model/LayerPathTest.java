package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerPathTest {
    static final LayerPath PATH = new LayerPath(List.of(
            new LayerPath.Step(0, 0, 1.0),
            new LayerPath.Step(1, 0, 0.5),
            new LayerPath.Step(0, 1, 1.0),
            new LayerPath.Step(1, 2, 1.25),
            new LayerPath.Step(0, 1, 0.75)));

    @Test
    void pathRunMatchesTheReferenceOnTheSamePath() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.F32);
             InMemoryTensors b = TinyModels.random(c, 2, DType.BF16);
             LlamaModel m = LlamaModel.fromLayerPath(c, List.of(a, b), PATH, null, LlamaModelTest.opts())) {
            assertEquals(5, m.config().numLayers());
            ReferenceForward ref = new ReferenceForward(c, List.of(a, b), PATH);
            int[] seq = TinyModels.randomSequences(5, 1, 9, 9, c.vocabSize()).get(0);
            LlamaModelTest.assertClose(ref.logits(seq), m.logits(List.of(seq))[0], "path");
        }
    }

    @Test
    void exportedPathReloadsToTheSameLogits() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.F32);
             InMemoryTensors b = TinyModels.random(c, 2, DType.F16);
             LlamaModel path = LlamaModel.fromLayerPath(c, List.of(a, b), PATH, null, LlamaModelTest.opts());
             InMemoryTensors exported = PATH.export(c, List.of(a, b))) {
            ModelConfig ec = ModelConfig.fromJson(PATH.exportedConfig(c).toJson());
            assertEquals(PATH.exportedConfig(c), ec, "config.json round trip");
            assertEquals(TinyModels.shapes(ec).keySet(), new java.util.HashSet<>(exported.names()));
            try (LlamaModel reloaded = LlamaModel.fromTensors(ec, exported, null, LlamaModelTest.opts())) {
                List<int[]> seqs = TinyModels.randomSequences(6, 3, 2, 11, c.vocabSize());
                float[][][] want = path.logits(seqs);
                float[][][] got = reloaded.logits(seqs);
                for (int i = 0; i < seqs.size(); i++) {
                    // Folding s into W_o changes only float rounding (s * (W x) vs (s W) x).
                    for (int t = 0; t < want[i].length; t++) {
                        for (int v = 0; v < want[i][t].length; v++) {
                            assertEquals(want[i][t][v], got[i][t][v], 1e-5 + 1e-5 * Math.abs(want[i][t][v]));
                        }
                    }
                }
            }
        }
    }

    @Test
    void unscaledTensorsAreExportedBitForBitAndScaledOnesFolded() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.BF16);
             InMemoryTensors b = TinyModels.random(c, 2, DType.BF16);
             InMemoryTensors e = PATH.export(c, List.of(a, b))) {
            assertEquals(-1, e.bytes("model.layers.3.self_attn.q_proj.weight")
                    .mismatch(b.bytes("model.layers.2.self_attn.q_proj.weight")));
            assertEquals(DType.BF16, e.info("model.layers.3.self_attn.q_proj.bias").dtype());
            float[] src = ReferenceForward.toFloats(b, "model.layers.2.mlp.down_proj.weight");
            float[] out = ReferenceForward.toFloats(e, "model.layers.3.mlp.down_proj.weight");
            assertEquals(DType.F32, e.info("model.layers.3.mlp.down_proj.weight").dtype());
            for (int i = 0; i < src.length; i++) {
                assertEquals(src[i] * 1.25f, out[i], 0f);
            }
            assertArrayEquals(ReferenceForward.toFloats(a, "model.embed_tokens.weight"),
                    ReferenceForward.toFloats(e, "model.embed_tokens.weight"), 0f);
        }
    }

    @Test
    void layersBeyondTheSourceAndMissingSourcesAreRefused() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.F32)) {
            LayerPath tooDeep = new LayerPath(List.of(new LayerPath.Step(0, 3, 1)));
            UserError e = assertThrows(UserError.class,
                    () -> LlamaModel.fromLayerPath(c, List.of(a), tooDeep, null, LlamaModelTest.opts()));
            assertTrue(e.getMessage().contains("layer 3"), e.getMessage());
            UserError e2 = assertThrows(UserError.class, () -> PATH.export(c, List.of(a)));
            assertTrue(e2.getMessage().contains("source 1"), e2.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new LayerPath(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new LayerPath.Step(0, 0, Double.NaN));
    }
}
