package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json parsing of the newer families: transformers' defaults, layer types, and what is refused. */
class ArchitectureConfigTest {

    static ObjectNode golden(String family) throws IOException {
        return (ObjectNode) TinyModels.JSON.readTree(
                ArchitectureGoldenTest.checkpoint(family).resolve("config.json").toFile());
    }

    private static List<Boolean> types(String pattern) {
        List<Boolean> out = new ArrayList<>();
        for (char ch : pattern.toCharArray()) {
            out.add(ch == 's');
        }
        return out;
    }

    @Test
    void gemmaLayerTypesFollowTransformersRules() throws IOException {
        // Gemma 2: sliding and global alternate, sliding first; Gemma 3: every 6th layer is global by default.
        ModelConfig g2 = ModelConfig.fromJson(golden("gemma2"));
        assertEquals(types("sgs"), g2.variant().slidingLayers());
        assertTrue(g2.isSliding(0) && !g2.isSliding(1) && g2.isSliding(2));
        ObjectNode g3 = golden("gemma3_text");
        g3.remove("layer_types");
        g3.put("num_hidden_layers", 8);
        assertEquals(types("sssssgss"), ModelConfig.fromJson(g3).variant().slidingLayers());
        g3.put("sliding_window_pattern", 3);
        assertEquals(types("ssgssgss"), ModelConfig.fromJson(g3).variant().slidingLayers());
        // A frankenmerge's new length continues the pattern, and config.json round-trips it.
        ModelConfig longer = ModelConfig.fromJson(g3).withNumLayers(11);
        assertEquals(types("ssgssgssgss"), longer.variant().slidingLayers());
        assertEquals(longer, ModelConfig.fromJson(longer.toJson()));
        // Mistral and Phi-3 slide on every layer; Llama on none.
        ModelConfig phi = ModelConfig.fromJson(golden("phi3"));
        assertTrue(phi.isSliding(0) && phi.isSliding(1));
        assertTrue(!ModelConfig.fromJson(TinyModels.llamaJson()).isSliding(0));
    }

    @Test
    void defaultsAreTransformers() throws IOException {
        ObjectNode g2 = golden("gemma2");
        for (String f : List.of("attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar",
                "head_dim", "tie_word_embeddings", "sliding_window")) {
            g2.remove(f);
        }
        ModelConfig c = ModelConfig.fromJson(g2);
        assertEquals(50.0, c.variant().attnLogitSoftcap());
        assertEquals(30.0, c.variant().finalLogitSoftcap());
        assertEquals(1 / 16.0, c.attentionScale(), 1e-15);
        assertEquals(256, c.headDim());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(4096, c.slidingWindow());
        g2.putNull("final_logit_softcapping");
        assertEquals(0.0, ModelConfig.fromJson(g2).variant().finalLogitSoftcap(), "null: no capping");
        ModelConfig g3 = ModelConfig.fromJson(golden("gemma3_text"));
        assertEquals(100.0, g3.variant().ropeLocalTheta());
        assertEquals(4.0, g3.variant().ropeLinearFactor());
        ObjectNode q3 = golden("qwen3");
        q3.remove("head_dim");
        assertEquals(128, ModelConfig.fromJson(q3).headDim());
        for (String f : List.of("qwen3", "gemma2", "gemma3_text", "phi3")) {
            ModelConfig parsed = ModelConfig.fromJson(golden(f));
            assertEquals(parsed, ModelConfig.fromJson(parsed.toJson()), f + " config.json round trip");
        }
    }

    @Test
    void unsupportedSettingsNameTheField() throws IOException {
        Map<String, ObjectNode> bad = Map.of(
                "use_sliding_window", golden("qwen3").put("use_sliding_window", true),
                "attention_bias", golden("qwen3").put("attention_bias", true),
                "hidden_activation", golden("gemma2").put("hidden_activation", "gelu"),
                "use_bidirectional_attention", golden("gemma3_text").put("use_bidirectional_attention", true),
                "attn_logit_softcapping", golden("gemma3_text").put("attn_logit_softcapping", 50.0),
                "layer_types", golden("gemma3_text").put("num_hidden_layers", 4),
                "partial_rotary_factor", golden("phi3").put("partial_rotary_factor", 0.75),
                "rope_scaling.rope_type", longrope());
        for (Map.Entry<String, ObjectNode> e : bad.entrySet()) {
            UserError err = assertThrows(UserError.class, () -> ModelConfig.fromJson(e.getValue()), e.getKey());
            assertTrue(err.getMessage().startsWith("config.json: " + e.getKey()), err.getMessage());
        }
    }

    private static ObjectNode longrope() throws IOException {
        ObjectNode n = golden("phi3");
        n.putObject("rope_scaling").put("type", "longrope");
        return n;
    }

    @Test
    void unknownFamiliesAreRefusedNamingTheKnownOnes() {
        UserError gpt2 = assertThrows(UserError.class,
                () -> ModelConfig.fromJson(TinyModels.llamaJson().put("model_type", "gpt2")));
        assertEquals("config.json: model_type 'gpt2' is not supported (supported: llama, mistral, qwen2, qwen3, "
                + "gemma2, gemma3_text, phi3)", gpt2.getMessage());
        UserError gemma3 = assertThrows(UserError.class,
                () -> ModelConfig.fromJson(TinyModels.llamaJson().put("model_type", "gemma3")));
        assertTrue(gemma3.getMessage().endsWith("for Gemma 3 the runtime scores the text model alone (model_type "
                + "gemma3_text, Gemma3ForCausalLM)"), gemma3.getMessage());
    }
}
