package dev.evomerge.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tiny checkpoints of each model family evomerge merges: the config.json keys that family's transformers config
 * saves (its layer-count key where the family keeps it) and tensors with the family's real names (from transformers'
 * modeling code, as mergekit's architecture definitions list them), every tensor 2 x 5 (mergekit's ties example keeps density 0.1 of it: one element). Values say where a tensor came
 * from: layer L of model m holds {@code 100 m + L} (the vision tower's layers {@code 100 m + 10 + L}), every tensor
 * outside the layers {@code 100 m + 50}, so a merged tensor's value shows which layers fed it and with what weight.
 */
public final class FamilyCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] SHAPE = {2, 5};

    private FamilyCheckpoints() {}

    /**
     * One stack of layers: names are {@code prefix + L + "." + suffix}.
     *
     * @param offset added to the layer index in the stored values (10 for a vision tower)
     */
    public record Stack(String prefix, int layers, List<String> suffixes, int offset) {
    }

    /**
     * A family's fixture.
     *
     * @param name   a short name for test output and directories
     * @param config config.json
     * @param pre    tensors before the layers
     * @param stacks layer stacks, the language model's first
     * @param post   tensors after the layers
     */
    public record Family(String name, String config, List<String> pre, List<Stack> stacks, List<String> post) {
        /** The text stack's layer-count key in config.json, as a JSON pointer. */
        public String countPointer() {
            return switch (name) {
                case "gpt2" -> "/n_layer";
                case "gemma3-vl", "llava", "llava-1.5" -> "/text_config/num_hidden_layers";
                default -> "/num_hidden_layers";
            };
        }

        @Override
        public String toString() {
            return name;
        }

        /** Writes model {@code m} (values above) to {@code dir}. */
        public Path write(Path dir, int m) {
            List<TensorInfo> plan = new ArrayList<>();
            List<Float> values = new ArrayList<>();
            for (String n : pre) {
                plan.add(new TensorInfo(n, DType.F32, SHAPE));
                values.add(100f * m + 50);
            }
            for (Stack s : stacks) {
                for (int l = 0; l < s.layers(); l++) {
                    for (String suffix : s.suffixes()) {
                        plan.add(new TensorInfo(s.prefix() + l + "." + suffix, DType.F32, SHAPE));
                        values.add(100f * m + s.offset() + l);
                    }
                }
            }
            for (String n : post) {
                plan.add(new TensorInfo(n, DType.F32, SHAPE));
                values.add(100f * m + 50);
            }
            try (CheckpointWriter w = CheckpointWriter.create(dir, plan, Long.MAX_VALUE, false)) {
                for (int i = 0; i < plan.size(); i++) {
                    float[] v = new float[10];
                    Arrays.fill(v, values.get(i));
                    w.writeFloats(plan.get(i).name(), 0, v, 0, v.length);
                }
                ObjectNode c = (ObjectNode) JSON.readTree(config);
                c.put("torch_dtype", "float32");
                w.writeFile(Checkpoint.CONFIG_FILE, c.toPrettyString().getBytes(StandardCharsets.UTF_8));
                return w.commit();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static final List<String> LLAMA_LAYER = List.of("input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");
    private static final List<String> QWEN2_LAYER = plus(LLAMA_LAYER, "self_attn.q_proj.bias",
            "self_attn.k_proj.bias", "self_attn.v_proj.bias");
    private static final List<String> QWEN3_LAYER = plus(LLAMA_LAYER, "self_attn.q_norm.weight",
            "self_attn.k_norm.weight");
    private static final List<String> GEMMA2_LAYER = plus(LLAMA_LAYER, "pre_feedforward_layernorm.weight",
            "post_feedforward_layernorm.weight");
    private static final List<String> GEMMA3_LAYER = plus(GEMMA2_LAYER, "self_attn.q_norm.weight",
            "self_attn.k_norm.weight");
    private static final List<String> MIXTRAL_LAYER = List.of("input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "block_sparse_moe.gate.weight", "block_sparse_moe.experts.0.w1.weight",
            "block_sparse_moe.experts.0.w2.weight", "block_sparse_moe.experts.0.w3.weight",
            "block_sparse_moe.experts.1.w1.weight", "block_sparse_moe.experts.1.w2.weight",
            "block_sparse_moe.experts.1.w3.weight");
    private static final List<String> PHI3_LAYER = List.of("input_layernorm.weight", "self_attn.qkv_proj.weight",
            "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_up_proj.weight",
            "mlp.down_proj.weight");
    private static final List<String> GPT2_LAYER = List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
            "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
            "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias");
    private static final List<String> NEOX_LAYER = List.of("input_layernorm.weight", "input_layernorm.bias",
            "post_attention_layernorm.weight", "post_attention_layernorm.bias", "attention.query_key_value.weight",
            "attention.query_key_value.bias", "attention.dense.weight", "attention.dense.bias",
            "mlp.dense_h_to_4h.weight", "mlp.dense_h_to_4h.bias", "mlp.dense_4h_to_h.weight",
            "mlp.dense_4h_to_h.bias");
    /** CLIP's and SigLIP's encoder layer (LLaVA's and Gemma 3's vision towers). */
    private static final List<String> VISION_LAYER = List.of("layer_norm1.weight", "layer_norm1.bias",
            "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.out_proj.weight", "layer_norm2.weight", "layer_norm2.bias", "mlp.fc1.weight", "mlp.fc2.weight");

    private static List<String> plus(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return List.copyOf(l);
    }

    private static Family llamaLike(String name, String arch, String type, List<String> layer, boolean tied,
                                    String extraConfig) {
        String config = """
                {"architectures": ["%s"], "model_type": "%s", "hidden_size": 3, "num_hidden_layers": 4,
                 "vocab_size": 2, "tie_word_embeddings": %s%s}""".formatted(arch, type, tied, extraConfig);
        return new Family(name, config, List.of("model.embed_tokens.weight"),
                List.of(new Stack("model.layers.", 4, layer, 0)),
                tied ? List.of("model.norm.weight") : List.of("model.norm.weight", "lm_head.weight"));
    }

    private static final String LAYER_TYPES = """
            , "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"]""";

    /** One fixture per family of {@link DecoderLayout#KNOWN} (LLaVA twice: transformers' newer and older names). */
    public static List<Family> all() {
        return List.of(
                llamaLike("llama", "LlamaForCausalLM", "llama", LLAMA_LAYER, false, ""),
                llamaLike("mistral", "MistralForCausalLM", "mistral", LLAMA_LAYER, false, ", \"sliding_window\": 4"),
                llamaLike("mixtral", "MixtralForCausalLM", "mixtral", MIXTRAL_LAYER, false,
                        ", \"num_local_experts\": 2, \"num_experts_per_tok\": 1"),
                llamaLike("qwen2", "Qwen2ForCausalLM", "qwen2", QWEN2_LAYER, true, LAYER_TYPES),
                llamaLike("qwen3", "Qwen3ForCausalLM", "qwen3", QWEN3_LAYER, true, LAYER_TYPES),
                llamaLike("gemma", "GemmaForCausalLM", "gemma", LLAMA_LAYER, true, ""),
                llamaLike("gemma2", "Gemma2ForCausalLM", "gemma2", GEMMA2_LAYER, true,
                        ", \"final_logit_softcapping\": 30.0"),
                llamaLike("gemma3", "Gemma3ForCausalLM", "gemma3_text", GEMMA3_LAYER, true, LAYER_TYPES),
                new Family("gemma3-vl", """
                        {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
                         "text_config": {"model_type": "gemma3_text", "hidden_size": 3, "num_hidden_layers": 4%s},
                         "vision_config": {"model_type": "siglip_vision_model", "num_hidden_layers": 2}}"""
                        .formatted(LAYER_TYPES),
                        List.of("language_model.model.embed_tokens.weight",
                                "multi_modal_projector.mm_input_projection_weight",
                                "multi_modal_projector.mm_soft_emb_norm.weight",
                                "vision_tower.vision_model.embeddings.patch_embedding.weight",
                                "vision_tower.vision_model.embeddings.position_embedding.weight",
                                "vision_tower.vision_model.post_layernorm.weight"),
                        List.of(new Stack("language_model.model.layers.", 4, GEMMA3_LAYER, 0),
                                new Stack("vision_tower.vision_model.encoder.layers.", 2, VISION_LAYER, 10)),
                        List.of("language_model.model.norm.weight")),
                llamaLike("phi3", "Phi3ForCausalLM", "phi3", PHI3_LAYER, false, ""),
                new Family("gpt2", """
                        {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 3, "n_layer": 4,
                         "n_head": 1, "vocab_size": 2}""",
                        List.of("wte.weight", "wpe.weight"), List.of(new Stack("h.", 4, GPT2_LAYER, 0)),
                        List.of("ln_f.weight", "ln_f.bias")),
                new Family("gpt-neox", """
                        {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 3,
                         "num_hidden_layers": 4, "vocab_size": 2}""",
                        List.of("gpt_neox.embed_in.weight"), List.of(new Stack("gpt_neox.layers.", 4, NEOX_LAYER, 0)),
                        List.of("gpt_neox.final_layer_norm.weight", "gpt_neox.final_layer_norm.bias",
                                "embed_out.weight")),
                new Family("llava", """
                        {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
                         "text_config": {"model_type": "llama", "hidden_size": 3, "num_hidden_layers": 4},
                         "vision_config": {"model_type": "clip_vision_model", "num_hidden_layers": 2},
                         "vision_feature_layer": -2}""",
                        List.of("model.language_model.embed_tokens.weight",
                                "model.vision_tower.vision_model.embeddings.patch_embedding.weight",
                                "model.vision_tower.vision_model.embeddings.position_embedding.weight",
                                "model.vision_tower.vision_model.pre_layrnorm.weight",
                                "model.vision_tower.vision_model.post_layernorm.weight",
                                "model.multi_modal_projector.linear_1.weight",
                                "model.multi_modal_projector.linear_2.weight"),
                        List.of(new Stack("model.language_model.layers.", 4, LLAMA_LAYER, 0),
                                new Stack("model.vision_tower.vision_model.encoder.layers.", 2, VISION_LAYER, 10)),
                        List.of("model.language_model.norm.weight", "lm_head.weight")),
                // llava-1.5-7b-hf's config as published: text_config leaves num_hidden_layers at transformers' default.
                new Family("llava-1.5", """
                        {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
                         "text_config": {"model_type": "llama", "vocab_size": 2},
                         "vision_config": {"model_type": "clip_vision_model", "num_hidden_layers": 2}}""",
                        List.of("language_model.model.embed_tokens.weight",
                                "vision_tower.vision_model.embeddings.patch_embedding.weight",
                                "vision_tower.vision_model.pre_layrnorm.weight",
                                "vision_tower.vision_model.post_layernorm.weight",
                                "multi_modal_projector.linear_1.weight"),
                        List.of(new Stack("language_model.model.layers.", 4, LLAMA_LAYER, 0),
                                new Stack("vision_tower.vision_model.encoder.layers.", 2, VISION_LAYER, 10)),
                        List.of("language_model.model.norm.weight", "language_model.lm_head.weight")));
    }
}
