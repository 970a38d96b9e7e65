package dev.evomerge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The parts of a Hugging Face {@code config.json} that a Llama-family decoder needs. Llama, Mistral and Qwen2 share
 * one architecture: RMSNorm, rotary embeddings, grouped-query attention and a SwiGLU MLP; Qwen2 adds q/k/v biases.
 * The newer families differ in ways {@link Architecture} and {@link Variant} name: Qwen3 normalizes each query and
 * key head (RMSNorm over head_dim before RoPE); Gemma 2 and 3 use GeGLU, RMSNorm with weight (1 + w), norms around
 * both sublayers, embeddings scaled by sqrt(hidden_size), attention scaled by query_pre_attn_scalar and
 * sliding-window layers between global ones (Gemma 2 also tanh-caps attention scores and logits; Gemma 3 normalizes
 * q/k heads and rotates its sliding layers with their own base); Phi-3 fuses q/k/v and gate/up into one matrix each.
 *
 * @param slidingWindow the attention window in tokens of the layers that have one ({@link #isSliding}), or 0
 * @param ropeScaling Llama 3's frequency-dependent rotary scaling, or null
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int slidingWindow,
        int bosTokenId,
        int eosTokenId,
        Variant variant) {

    /** The supported families, by config.json's model_type. */
    public enum Architecture {
        LLAMA("llama", "LlamaForCausalLM"),
        MISTRAL("mistral", "MistralForCausalLM"),
        QWEN2("qwen2", "Qwen2ForCausalLM"),
        QWEN3("qwen3", "Qwen3ForCausalLM"),
        GEMMA2("gemma2", "Gemma2ForCausalLM"),
        GEMMA3_TEXT("gemma3_text", "Gemma3ForCausalLM"),
        PHI3("phi3", "Phi3ForCausalLM");

        /** The model_type values, for messages. */
        public static final String SUPPORTED = "llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3";

        private final String modelType;
        private final String className;

        Architecture(String modelType, String className) {
            this.modelType = modelType;
            this.className = className;
        }

        /**
         * Gemma's decoder: RMSNorm scaled by (1 + w), norms before and after both sublayers, GeGLU
         * (gelu_pytorch_tanh), embeddings times sqrt(hidden_size).
         */
        public boolean gemma() {
            return this == GEMMA2 || this == GEMMA3_TEXT;
        }

        /** Queries and keys are RMS-normalized per head (q_norm, k_norm of shape [head_dim]) before RoPE. */
        public boolean qkNorm() {
            return this == QWEN3 || this == GEMMA3_TEXT;
        }

        /** q/k/v are one {@code qkv_proj} and gate/up one {@code gate_up_proj}, stacked along the output axis. */
        public boolean fusedProjections() {
            return this == PHI3;
        }

        public String modelType() {
            return modelType;
        }

        public String className() {
            return className;
        }

        static Architecture fromModelType(String modelType) {
            for (Architecture a : values()) {
                if (a.modelType.equals(modelType)) {
                    return a;
                }
            }
            String hint = modelType.equals("gemma3") ? "; for Gemma 3 the runtime scores the text model alone"
                    + " (model_type gemma3_text, Gemma3ForCausalLM)" : "";
            throw new UserError("config.json: model_type '" + modelType + "' is not supported (supported: "
                    + SUPPORTED + ")" + hint);
        }
    }

    /**
     * What the newer families change in attention and the output head; {@link #NONE} for Llama, Mistral and Qwen2.
     *
     * @param queryPreAttnScalar attention scores are scaled by its -1/2 power (Gemma's query_pre_attn_scalar); 0
     *        scales by head_dim^-1/2
     * @param attnLogitSoftcap Gemma 2's cap c on attention scores, c * tanh(score / c); 0 for none
     * @param finalLogitSoftcap the same cap on the output logits; 0 for none
     * @param ropeLocalTheta Gemma 3's rotary base for sliding-window layers (rope_local_base_freq); 0: rope_theta
     * @param ropeLinearFactor full-attention layers' rotary frequencies are divided by it (rope_scaling of type
     *        linear); 1 for none
     * @param slidingLayers per layer, whether it attends within the sliding window (config.json's layer_types);
     *        empty: every layer does when a window is set (Mistral, Phi-3)
     */
    public record Variant(double queryPreAttnScalar, double attnLogitSoftcap, double finalLogitSoftcap,
                          double ropeLocalTheta, double ropeLinearFactor, List<Boolean> slidingLayers) {
        public static final Variant NONE = new Variant(0, 0, 0, 0, 1, List.of());

        public Variant {
            nonNegative("query_pre_attn_scalar", queryPreAttnScalar);
            nonNegative("attn_logit_softcapping", attnLogitSoftcap);
            nonNegative("final_logit_softcapping", finalLogitSoftcap);
            nonNegative("rope_local_base_freq", ropeLocalTheta);
            if (!(ropeLinearFactor > 0)) {
                throw new UserError("config.json: rope_scaling.factor must be positive, but was " + ropeLinearFactor);
            }
            slidingLayers = List.copyOf(slidingLayers);
        }

        private static void nonNegative(String field, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new UserError("config.json: " + field + " must be a positive number or null, but was " + v);
            }
        }

        /**
         * The same layer types for {@code layers} layers: the shortest repeating pattern of the list, continued or
         * cut (Gemma's "every k-th layer is global" survives a frankenmerge's new length).
         */
        Variant withNumLayers(int layers) {
            if (slidingLayers.isEmpty() || slidingLayers.size() == layers) {
                return this;
            }
            int period = 1;
            while (period < slidingLayers.size() && !periodic(slidingLayers, period)) {
                period++;
            }
            List<Boolean> next = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                next.add(slidingLayers.get(i % period));
            }
            return new Variant(queryPreAttnScalar, attnLogitSoftcap, finalLogitSoftcap, ropeLocalTheta,
                    ropeLinearFactor, next);
        }

        private static boolean periodic(List<Boolean> list, int period) {
            for (int i = period; i < list.size(); i++) {
                if (!list.get(i).equals(list.get(i - period))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Llama 3.1's rope_scaling (rope_type "llama3"): long wavelengths are divided by {@code factor}, short ones kept,
     * and the band between {@code originalMaxPositionEmbeddings / highFreqFactor} and
     * {@code .../lowFreqFactor} interpolated smoothly.
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public RopeScaling {
            if (!(factor > 0)) {
                throw new UserError("config.json: rope_scaling.factor must be positive, but was " + factor);
            }
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new UserError("config.json: rope_scaling.high_freq_factor must exceed low_freq_factor, but was "
                        + highFreqFactor + " <= " + lowFreqFactor);
            }
            if (originalMaxPositionEmbeddings < 1) {
                throw new UserError("config.json: rope_scaling.original_max_position_embeddings must be positive, but was "
                        + originalMaxPositionEmbeddings);
            }
        }
    }

    /** A Llama, Mistral or Qwen2 config (no {@link Variant}). */
    public ModelConfig(Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                       int numHeads, int numKvHeads, int headDim, double rmsNormEps, double ropeTheta,
                       RopeScaling ropeScaling, int maxPositionEmbeddings, boolean tieWordEmbeddings,
                       boolean attentionBias, int slidingWindow, int bosTokenId, int eosTokenId) {
        this(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, attentionBias,
                slidingWindow, bosTokenId, eosTokenId, Variant.NONE);
    }

    public ModelConfig {
        java.util.Objects.requireNonNull(architecture, "architecture");
        java.util.Objects.requireNonNull(variant, "variant");
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numHeads % numKvHeads != 0) {
            throw new UserError("config.json: num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new UserError("config.json: head_dim must be even for rotary embeddings, but was " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new UserError("config.json: rms_norm_eps must be positive, but was " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new UserError("config.json: rope_theta must be positive, but was " + ropeTheta);
        }
        if (slidingWindow < 0) {
            throw new UserError("config.json: sliding_window must be positive or null, but was " + slidingWindow);
        }
        if (bosTokenId >= vocabSize || eosTokenId >= vocabSize) {
            throw new UserError("config.json: bos_token_id " + bosTokenId + " / eos_token_id " + eosTokenId
                    + " must be below vocab_size " + vocabSize);
        }
        if (!variant.slidingLayers().isEmpty() && variant.slidingLayers().size() != numLayers) {
            throw new UserError("config.json: layer_types has " + variant.slidingLayers().size()
                    + " entries but num_hidden_layers is " + numLayers);
        }
    }

    /** Whether layer {@code layer} attends only to the last {@link #slidingWindow} positions. */
    public boolean isSliding(int layer) {
        return slidingWindow > 0 && (variant.slidingLayers().isEmpty() || variant.slidingLayers().get(layer));
    }

    /** The factor on q.k: query_pre_attn_scalar^-1/2 for Gemma, head_dim^-1/2 otherwise. */
    public double attentionScale() {
        double s = variant.queryPreAttnScalar() > 0 ? variant.queryPreAttnScalar() : headDim;
        return 1.0 / Math.sqrt(s);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new UserError("config.json: " + field + " must be positive, but was " + value);
        }
    }

    /** Weights multiplied per token in a forward pass: the decoder layers' projections plus the output head. */
    public long matmulParameters() {
        long q = (long) numHeads * headDim;
        long kv = (long) numKvHeads * headDim;
        long perLayer = hiddenSize * (q + 2 * kv) + q * hiddenSize + 3L * hiddenSize * intermediateSize;
        return numLayers * perLayer + (long) vocabSize * hiddenSize;
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Parses a {@code config.json}; refuses anything this runtime would compute differently, naming the field. */
    public static ModelConfig fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new UserError("config.json: expected a JSON object");
        }
        String modelType = text(json, "model_type", null);
        if (modelType == null) {
            throw new UserError("config.json: model_type is missing (supported: " + Architecture.SUPPORTED + ")");
        }
        Architecture arch = Architecture.fromModelType(modelType);
        boolean gemma = arch.gemma();
        if (gemma) {
            // Gemma's MLP reads hidden_activation (hidden_act is its older name).
            String act = text(json, "hidden_activation", text(json, "hidden_act", "gelu_pytorch_tanh"));
            if (!act.equals("gelu_pytorch_tanh")) {
                throw new UserError("config.json: hidden_activation '" + act + "' is not supported for " + modelType
                        + " (only gelu_pytorch_tanh)");
            }
        } else {
            String act = text(json, "hidden_act", "silu");
            if (!act.equals("silu")) {
                throw new UserError("config.json: hidden_act '" + act + "' is not supported (only silu)");
            }
        }
        int hidden = integer(json, "hidden_size", -1, true);
        int heads = integer(json, "num_attention_heads", -1, true);
        int kvHeads = integer(json, "num_key_value_heads", heads, false);
        // transformers' own defaults where config.json leaves head_dim out: 128 for Qwen3, 256 for Gemma.
        int defaultHeadDim = switch (arch) {
            case QWEN3 -> 128;
            case GEMMA2, GEMMA3_TEXT -> 256;
            default -> -1;
        };
        int headDim;
        if (json.hasNonNull("head_dim")) {
            headDim = integer(json, "head_dim", -1, true);
        } else if (defaultHeadDim > 0) {
            headDim = defaultHeadDim;
        } else {
            if (heads > 0 && hidden % heads != 0) {
                throw new UserError("config.json: hidden_size " + hidden + " is not divisible by num_attention_heads "
                        + heads);
            }
            headDim = heads > 0 ? hidden / heads : -1;
        }
        boolean bias = switch (arch) {
            case QWEN2 -> true;
            case LLAMA -> bool(json, "attention_bias", false);
            case MISTRAL, PHI3 -> false;
            case QWEN3, GEMMA2, GEMMA3_TEXT -> {
                // These put a bias on o_proj as well, which the runtime does not load.
                if (bool(json, "attention_bias", false)) {
                    throw new UserError("config.json: attention_bias true is not supported for " + modelType);
                }
                yield false;
            }
        };
        if (arch == Architecture.LLAMA && bool(json, "mlp_bias", false)) {
            throw new UserError("config.json: mlp_bias true is not supported");
        }
        if ((arch == Architecture.QWEN2 || arch == Architecture.QWEN3) && bool(json, "use_sliding_window", false)) {
            throw new UserError("config.json: use_sliding_window true is not supported for " + modelType);
        }
        if (arch == Architecture.GEMMA3_TEXT && bool(json, "use_bidirectional_attention", false)) {
            throw new UserError("config.json: use_bidirectional_attention true is not supported for gemma3_text");
        }
        if (arch == Architecture.PHI3 && number(json, "partial_rotary_factor", 1.0) != 1.0) {
            throw new UserError("config.json: partial_rotary_factor other than 1 is not supported for phi3");
        }
        if (json.hasNonNull("pretraining_tp") && integer(json, "pretraining_tp", 1, false) != 1) {
            throw new UserError("config.json: pretraining_tp other than 1 is not supported");
        }
        int layers = integer(json, "num_hidden_layers", -1, true);
        int window = 0;
        if ((arch == Architecture.MISTRAL || arch == Architecture.PHI3 || gemma) && json.hasNonNull("sliding_window")) {
            window = integer(json, "sliding_window", 0, true);
        } else if (gemma) {
            window = 4096;
        }
        JsonNode scalingNode = json.get("rope_scaling");
        double linear = 1;
        if (scalingNode != null && scalingNode.isObject() && "linear".equals(ropeType(scalingNode))) {
            linear = number(scalingNode, "factor", -1, "rope_scaling.factor");
            scalingNode = null;
        }
        Variant variant = Variant.NONE;
        if (gemma) {
            boolean g3 = arch == Architecture.GEMMA3_TEXT;
            double attnCap = softcap(json, "attn_logit_softcapping", g3 ? 0 : 50.0);
            if (g3 && attnCap != 0) {
                // transformers stores the field for Gemma 3 but does not apply it (its Gemma 3 checkpoints have null).
                throw new UserError("config.json: attn_logit_softcapping must be null for gemma3_text, but was "
                        + attnCap);
            }
            variant = new Variant(
                    number(json, "query_pre_attn_scalar", 256),
                    attnCap,
                    softcap(json, "final_logit_softcapping", g3 ? 0 : 30.0),
                    g3 ? number(json, "rope_local_base_freq", 10000.0) : 0,
                    linear,
                    layerTypes(json, layers, g3 ? integer(json, "sliding_window_pattern", 6, false) : 2));
        } else if (linear != 1) {
            variant = new Variant(0, 0, 0, 0, linear, List.of());
        }
        int vocab = integer(json, "vocab_size", -1, true);
        return new ModelConfig(arch,
                vocab,
                hidden,
                integer(json, "intermediate_size", -1, true),
                layers,
                heads,
                kvHeads,
                headDim,
                number(json, "rms_norm_eps", 1e-6),
                number(json, "rope_theta", arch == Architecture.GEMMA3_TEXT ? 1000000.0 : 10000.0),
                ropeScaling(scalingNode),
                integer(json, "max_position_embeddings", 2048, false),
                bool(json, "tie_word_embeddings", gemma),
                bias,
                window,
                tokenId(json, "bos_token_id"),
                tokenId(json, "eos_token_id"),
                variant);
    }

    /**
     * Gemma's layer types: config.json's layer_types, else transformers' rule from the pattern (layer i is global
     * when (i + 1) is a multiple of it, sliding otherwise).
     */
    private static List<Boolean> layerTypes(JsonNode json, int layers, int pattern) {
        List<Boolean> out = new ArrayList<>();
        JsonNode types = json.get("layer_types");
        if (types != null && !types.isNull()) {
            if (!types.isArray()) {
                throw new UserError("config.json: layer_types must be a list, but was " + types);
            }
            for (JsonNode t : types) {
                switch (t.asText()) {
                    case "sliding_attention" -> out.add(true);
                    case "full_attention" -> out.add(false);
                    default -> throw new UserError("config.json: layer_types entry " + t
                            + " is not supported (sliding_attention or full_attention)");
                }
            }
            return out;
        }
        if (pattern < 1) {
            throw new UserError("config.json: sliding_window_pattern must be positive, but was " + pattern);
        }
        for (int i = 0; i < Math.max(0, layers); i++) {
            out.add((i + 1) % pattern != 0);
        }
        return out;
    }

    /** A soft-capping field: absent takes transformers' default, null means none (0). */
    private static double softcap(JsonNode json, String field, double dflt) {
        if (!json.has(field)) {
            return dflt;
        }
        return json.get(field).isNull() ? 0 : number(json, field, 0);
    }

    private static String ropeType(JsonNode node) {
        return (node.hasNonNull("rope_type") ? node.get("rope_type").asText()
                : node.hasNonNull("type") ? node.get("type").asText() : "default").toLowerCase(Locale.ROOT);
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new UserError("config.json: rope_scaling must be an object or null");
        }
        String type = ropeType(node);
        return switch (type) {
            case "default" -> null;
            case "llama3" -> new RopeScaling(
                    number(node, "factor", -1, "rope_scaling.factor"),
                    number(node, "low_freq_factor", -1, "rope_scaling.low_freq_factor"),
                    number(node, "high_freq_factor", -1, "rope_scaling.high_freq_factor"),
                    (int) number(node, "original_max_position_embeddings", -1,
                            "rope_scaling.original_max_position_embeddings"));
            default -> throw new UserError("config.json: rope_scaling.rope_type '" + type
                    + "' is not supported (supported: default, linear, llama3)");
        };
    }

    /** Back to config.json form, e.g. for a checkpoint exported from a layer path. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.putArray("architectures").add(architecture.className());
        n.put("model_type", architecture.modelType());
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("num_key_value_heads", numKvHeads);
        n.put("head_dim", headDim);
        if (architecture.gemma()) {
            n.put("hidden_act", "gelu_pytorch_tanh");
            n.put("hidden_activation", "gelu_pytorch_tanh");
        } else {
            n.put("hidden_act", "silu");
        }
        n.put("rms_norm_eps", rmsNormEps);
        n.put("rope_theta", ropeTheta);
        if (variant.ropeLinearFactor() != 1) {
            ObjectNode r = n.putObject("rope_scaling");
            r.put("rope_type", "linear");
            r.put("factor", variant.ropeLinearFactor());
        } else if (ropeScaling != null) {
            ObjectNode r = n.putObject("rope_scaling");
            r.put("rope_type", "llama3");
            r.put("factor", ropeScaling.factor());
            r.put("low_freq_factor", ropeScaling.lowFreqFactor());
            r.put("high_freq_factor", ropeScaling.highFreqFactor());
            r.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
        } else {
            n.putNull("rope_scaling");
        }
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (architecture == Architecture.LLAMA) {
            n.put("attention_bias", attentionBias);
        }
        if (architecture == Architecture.MISTRAL || architecture == Architecture.PHI3 || architecture.gemma()) {
            if (slidingWindow > 0) {
                n.put("sliding_window", slidingWindow);
            } else {
                n.putNull("sliding_window");
            }
        }
        if (architecture.gemma()) {
            n.put("query_pre_attn_scalar", variant.queryPreAttnScalar());
            putCap(n, "attn_logit_softcapping", variant.attnLogitSoftcap());
            putCap(n, "final_logit_softcapping", variant.finalLogitSoftcap());
            if (architecture == Architecture.GEMMA3_TEXT) {
                n.put("rope_local_base_freq", variant.ropeLocalTheta());
            }
            ArrayNode types = n.putArray("layer_types");
            variant.slidingLayers().forEach(sl -> types.add(sl ? "sliding_attention" : "full_attention"));
        }
        if (bosTokenId >= 0) {
            n.put("bos_token_id", bosTokenId);
        }
        if (eosTokenId >= 0) {
            n.put("eos_token_id", eosTokenId);
        }
        n.put("torch_dtype", "float32");
        return n;
    }

    private static void putCap(ObjectNode n, String field, double cap) {
        if (cap > 0) {
            n.put(field, cap);
        } else {
            n.putNull(field);
        }
    }

    /**
     * The same model with a different number of layers (a layer path's export); per-layer attention types continue
     * their pattern ({@link Variant#withNumLayers}).
     */
    public ModelConfig withNumLayers(int layers) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, layers, numHeads, numKvHeads,
                headDim, rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, attentionBias,
                slidingWindow, bosTokenId, eosTokenId, variant.withNumLayers(layers));
    }

    private static String text(JsonNode json, String field, String dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new UserError("config.json: " + field + " must be a string, but was " + v);
        }
        return v.asText();
    }

    private static int integer(JsonNode json, String field, int dflt, boolean required) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new UserError("config.json: " + field + " is missing");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new UserError("config.json: " + field + " must be an integer, but was " + v);
        }
        return v.intValue();
    }

    private static double number(JsonNode json, String field, double dflt) {
        return number(json, field, dflt, field);
    }

    private static double number(JsonNode json, String field, double dflt, String label) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            if (dflt < 0) {
                throw new UserError("config.json: " + label + " is missing");
            }
            return dflt;
        }
        if (!v.isNumber()) {
            throw new UserError("config.json: " + label + " must be a number, but was " + v);
        }
        return v.doubleValue();
    }

    private static boolean bool(JsonNode json, String field, boolean dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new UserError("config.json: " + field + " must be true or false, but was " + v);
        }
        return v.booleanValue();
    }

    /** Token ids may be a single integer or a list (Llama 3 lists several eos ids; the first is used). */
    private static int tokenId(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return -1;
        }
        if (v.isArray() && !v.isEmpty()) {
            v = v.get(0);
        }
        if (!v.isIntegralNumber()) {
            throw new UserError("config.json: " + field + " must be an integer, but was " + v);
        }
        return v.intValue();
    }
}
