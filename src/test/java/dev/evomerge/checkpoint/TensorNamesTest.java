package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.checkpoint.TensorNames.Group;
import dev.evomerge.checkpoint.TensorNames.TensorRole;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TensorNamesTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "model.embed_tokens.weight, -1, EMBEDDING",
        "model.layers.0.self_attn.q_proj.weight, 0, ATTENTION",
        "model.layers.0.self_attn.k_proj.bias, 0, ATTENTION",
        "model.layers.12.self_attn.v_proj.weight, 12, ATTENTION",
        "model.layers.31.self_attn.o_proj.weight, 31, ATTENTION",
        "model.layers.3.mlp.gate_proj.weight, 3, MLP",
        "model.layers.3.mlp.up_proj.weight, 3, MLP",
        "model.layers.30.mlp.down_proj.weight, 30, MLP",
        "model.layers.7.input_layernorm.weight, 7, NORM",
        "model.layers.7.post_attention_layernorm.weight, 7, NORM",
        "model.norm.weight, -1, NORM",
        "lm_head.weight, -1, HEAD",
        "model.layers.2.self_attn.rotary_emb.inv_freq, 2, ATTENTION",
        // generic fallbacks (GPT-2, GPT-NeoX, other block names)
        "transformer.h.5.attn.c_attn.weight, 5, ATTENTION",
        "transformer.h.5.mlp.c_fc.weight, 5, MLP",
        "transformer.h.5.ln_1.weight, 5, NORM",
        "transformer.wte.weight, -1, EMBEDDING",
        "transformer.ln_f.weight, -1, NORM",
        "gpt_neox.layers.4.attention.dense.weight, 4, ATTENTION",
        "encoder.blocks.9.something.weight, 9, OTHER",
        "model.rotary_emb.inv_freq, -1, OTHER",
        "vision_layers.1.x, -1, OTHER",
        // multimodal language models (LLaVA, Gemma 3): transformers' older and newer names
        "language_model.lm_head.weight, -1, HEAD",
        "language_model.model.embed_tokens.weight, -1, EMBEDDING",
        "model.language_model.embed_tokens.weight, -1, EMBEDDING",
        "model.vision_tower.vision_model.embeddings.position_embedding.weight, -1, OTHER",
    })
    void classifiesLlamaFamilyAndGenericNames(String name, int layer, Group group) {
        assertEquals(new TensorRole(layer, group), TensorNames.classify(name));
    }

    @Test
    void withLayerRenumbersOnlyTheLayerIndex() {
        assertEquals("model.layers.17.mlp.up_proj.weight", TensorNames.withLayer("model.layers.3.mlp.up_proj.weight", 17));
        assertEquals("model.layers.0.self_attn.q_proj.bias",
                TensorNames.withLayer("model.layers.12.self_attn.q_proj.bias", 0));
        assertEquals("transformer.h.2.attn.c_attn.weight", TensorNames.withLayer("transformer.h.11.attn.c_attn.weight", 2));
        assertThrows(IllegalArgumentException.class, () -> TensorNames.withLayer("model.norm.weight", 1));
        assertThrows(IllegalArgumentException.class, () -> TensorNames.withLayer("model.layers.1.x", -1));
    }
}
