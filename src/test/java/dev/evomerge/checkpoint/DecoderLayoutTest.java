package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode config(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    private static DecoderLayout family(String name) {
        return DecoderLayout.KNOWN.stream().filter(l -> l.family().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aLayoutIsChosenByArchitectureElseByModelType() throws Exception {
        assertEquals("GPT-2", DecoderLayout.of(config("{\"architectures\": [\"GPT2LMHeadModel\"]}"), "c").family());
        assertEquals("Llama", DecoderLayout.of(config("{\"architectures\": [\"LlamaForSequenceClassification\"],"
                + " \"model_type\": \"llama\"}"), "c").family());
        assertEquals("Gemma 3", DecoderLayout.of(config("{\"architectures\": [\"Gemma3ForConditionalGeneration\"],"
                + " \"model_type\": \"gemma3\"}"), "c").family());
        UserError e = assertThrows(UserError.class, () -> DecoderLayout.of(config("{\"model_type\": \"bert\"}"), "c"));
        assertTrue(e.getMessage().startsWith("c: no known decoder layout for model_type 'bert'; evomerge merges Llama"
                + " (LlamaForCausalLM), "), e.getMessage());
    }

    @Test
    void aStackFindsAndRenumbersOnlyItsOwnLayers() {
        DecoderLayout llava = family("LLaVA");
        DecoderLayout.Stack text = llava.stacks().get(0);
        DecoderLayout.Stack vision = llava.stacks().get(1);
        assertEquals(12, text.layerOf("language_model.model.layers.12.mlp.up_proj.weight"));
        assertEquals(3, text.layerOf("model.language_model.layers.3.self_attn.q_proj.weight"));
        assertEquals(-1, text.layerOf("model.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight"));
        assertEquals(3, vision.layerOf("model.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight"));
        assertEquals(-1, text.layerOf("language_model.model.layers.x.weight"));
        assertEquals(-1, text.layerOf("language_model.model.layers.3"));
        assertEquals("model.language_model.layers.7.mlp.up_proj.weight",
                text.withLayer("model.language_model.layers.12.mlp.up_proj.weight", 7));
        assertThrows(IllegalArgumentException.class, () -> text.withLayer("lm_head.weight", 1));
        assertEquals(vision, llava.stackOf("vision_tower.vision_model.encoder.layers.0.layer_norm1.weight"));
        assertNull(llava.stackOf("multi_modal_projector.linear_1.weight"));
        assertTrue(llava.isPost("language_model.lm_head.weight"));
        assertTrue(!llava.isPost("vision_tower.vision_model.post_layernorm.weight"));
        DecoderLayout.Stack gpt2 = family("GPT-2").stacks().getFirst();
        assertEquals(5, gpt2.layerOf("transformer.h.5.attn.c_attn.weight"));
        assertEquals("h.0.ln_1.weight", gpt2.withLayer("h.11.ln_1.weight", 0));
    }

    @Test
    void aLayerCountIsTheFamilysKeyCheckedAgainstTheWeightsElseCountedFromThem() throws Exception {
        DecoderLayout.Stack text = family("LLaVA").stacks().getFirst();
        List<String> names = List.of("language_model.model.layers.0.x.weight", "language_model.model.layers.3.x.weight",
                "vision_tower.vision_model.encoder.layers.7.x.weight");
        assertEquals(4, text.layerCount(config("{\"text_config\": {}}"), names, "c"));
        assertEquals(2, text.layerCount(config("{\"text_config\": {\"num_hidden_layers\": 2}}"), names, "c"));
        assertEquals("c: text_config.num_hidden_layers is 9, but the weights hold layers 0..3 only",
                assertThrows(UserError.class, () -> text.layerCount(
                        config("{\"text_config\": {\"num_hidden_layers\": 9}}"), names, "c")).getMessage());
        assertEquals("c: text_config.num_hidden_layers must be a non-negative integer, but was \"4\"",
                assertThrows(UserError.class, () -> text.layerCount(
                        config("{\"text_config\": {\"num_hidden_layers\": \"4\"}}"), names, "c")).getMessage());

        ObjectNode out = config("{\"model_type\": \"llava\"}");
        text.setLayerCount(out, 6);
        assertEquals(6, out.at("/text_config/num_hidden_layers").asInt());
        DecoderLayout.Stack gpt2 = family("GPT-2").stacks().getFirst();
        ObjectNode g = config("{\"n_layer\": 12}");
        gpt2.setLayerCount(g, 3);
        assertEquals("{\"n_layer\":3}", g.toString());
        assertEquals("3", family("GPT-2").layersText(g));
        assertEquals("6 language_model + 0 vision_tower", family("LLaVA").layersText(out));
    }
}
