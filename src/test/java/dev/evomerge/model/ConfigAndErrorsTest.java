package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigAndErrorsTest {

    @Test
    void familiesParseWithTheirDefaults() {
        ModelConfig l = ModelConfig.fromJson(TinyModels.llamaJson());
        assertEquals(ModelConfig.Architecture.LLAMA, l.architecture());
        assertEquals(8, l.headDim());
        assertEquals(2, l.groupSize());
        assertEquals(8.0, l.ropeScaling().factor());
        ModelConfig q = ModelConfig.fromJson(TinyModels.qwen2Json());
        assertTrue(q.attentionBias());
        assertTrue(q.tieWordEmbeddings());
        assertNull(q.ropeScaling());
        assertEquals(5, ModelConfig.fromJson(TinyModels.mistralJson()).slidingWindow());
        assertEquals(ModelConfig.fromJson(TinyModels.llamaJson()), ModelConfig.fromJson(l.toJson()));
    }

    @Test
    void llama3InverseFrequenciesFollowThePiecewiseRule() {
        // head_dim 8, theta 500: freqs 500^(-i/4) = 1, 0.2115, 0.0447, 0.00946; wavelengths 6.28, 29.7, 140.5, 664.
        // original 16: high-freq wavelength 16/4 = 4, low-freq 16/1 = 16 -> all but i=0 are divided by factor 8,
        // i=0 (wavelength 6.28, in [4, 16]) is interpolated with smooth = (16/6.283 - 1) / 3 = 0.5155.
        float[] inv = LlamaModel.inverseFrequencies(ModelConfig.fromJson(TinyModels.llamaJson()));
        double smooth = (16 / (2 * Math.PI) - 1) / 3;
        assertEquals((1 - smooth) / 8 + smooth, inv[0], 1e-6);
        assertEquals(Math.pow(500, -0.25) / 8, inv[1], 1e-7);
        assertEquals(Math.pow(500, -0.75) / 8, inv[3], 1e-8);
    }

    @Test
    void unsupportedConfigsNameTheField() {
        Map<String, ObjectNode> bad = Map.of(
                "model_type", TinyModels.llamaJson().put("model_type", "gpt2"),
                "hidden_act", TinyModels.llamaJson().put("hidden_act", "gelu"),
                "rope_scaling.rope_type", ropeType("yarn"),
                "num_key_value_heads", TinyModels.llamaJson().put("num_key_value_heads", 3),
                "hidden_size", (ObjectNode) TinyModels.llamaJson().without("hidden_size"),
                "use_sliding_window", TinyModels.qwen2Json().put("use_sliding_window", true),
                "vocab_size", TinyModels.llamaJson().put("vocab_size", "many"));
        for (Map.Entry<String, ObjectNode> e : bad.entrySet()) {
            UserError err = assertThrows(UserError.class, () -> ModelConfig.fromJson(e.getValue()), e.getKey());
            assertTrue(err.getMessage().contains(e.getKey()), err.getMessage());
            assertTrue(err.getMessage().startsWith("config.json: "), err.getMessage());
        }
    }

    private static ObjectNode ropeType(String type) {
        ObjectNode n = TinyModels.llamaJson();
        ((ObjectNode) n.get("rope_scaling")).put("rope_type", type);
        return n;
    }

    @Test
    void missingAndMisshapenTensorsNameTheTensor(@TempDir Path dir) {
        ModelConfig c = ModelConfig.fromJson(TinyModels.mistralJson());
        ModelConfig wider = ModelConfig.fromJson(TinyModels.mistralJson().put("intermediate_size", 64));
        try (InMemoryTensors w = TinyModels.random(c, 1, DType.F32);
             InMemoryTensors partial = new InMemoryTensors()) {
            UserError shape = assertThrows(UserError.class,
                    () -> LlamaModel.fromTensors(wider, w, null, LlamaModelTest.opts()));
            assertTrue(shape.getMessage().contains("'model.layers.0.mlp.gate_proj.weight' has shape [48, 32]"),
                    shape.getMessage());
            for (String name : w.names()) {
                if (!name.equals("model.layers.2.self_attn.v_proj.weight")) {
                    partial.allocate(w.info(name)).copyFrom(w.bytes(name));
                }
            }
            UserError missing = assertThrows(UserError.class,
                    () -> LlamaModel.fromTensors(c, partial, null, LlamaModelTest.opts()));
            assertEquals("tensor 'model.layers.2.self_attn.v_proj.weight' is missing from the model's weights",
                    missing.getMessage());
            SyntheticCheckpoints.writeTensors(dir.resolve("ckpt"), partial, DType.F32, TinyModels.mistralJson());
            UserError onDisk = assertThrows(UserError.class,
                    () -> LlamaModel.load(dir.resolve("ckpt"), LlamaModelTest.opts()).close());
            assertEquals("tensor 'model.layers.2.self_attn.v_proj.weight' is missing from checkpoint "
                    + dir.resolve("ckpt"), onDisk.getMessage());
        }
    }
}
