package dev.evomerge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.util.Locale;

/**
 * The parts of a Hugging Face {@code config.json} that a Llama-family decoder needs. Llama, Mistral and Qwen2 share
 * one architecture: RMSNorm, rotary embeddings, grouped-query attention and a SwiGLU MLP; Qwen2 adds q/k/v biases.
 *
 * @param slidingWindow Mistral's attention window in tokens, or 0 for full causal attention
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
        int eosTokenId) {

    /** The three supported families; they differ only in which tensors exist and in defaults. */
    public enum Architecture {
        LLAMA("llama", "LlamaForCausalLM"),
        MISTRAL("mistral", "MistralForCausalLM"),
        QWEN2("qwen2", "Qwen2ForCausalLM");

        private final String modelType;
        private final String className;

        Architecture(String modelType, String className) {
            this.modelType = modelType;
            this.className = className;
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
            throw new UserError("config.json: model_type '" + modelType
                    + "' is not supported (supported: llama, mistral, qwen2)");
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

    public ModelConfig {
        java.util.Objects.requireNonNull(architecture, "architecture");
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
            throw new UserError("config.json: model_type is missing (supported: llama, mistral, qwen2)");
        }
        Architecture arch = Architecture.fromModelType(modelType);
        String act = text(json, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new UserError("config.json: hidden_act '" + act + "' is not supported (only silu)");
        }
        int hidden = integer(json, "hidden_size", -1, true);
        int heads = integer(json, "num_attention_heads", -1, true);
        int kvHeads = integer(json, "num_key_value_heads", heads, false);
        int headDim = json.hasNonNull("head_dim") ? integer(json, "head_dim", -1, true) : heads > 0 ? hidden / heads : -1;
        if (!json.hasNonNull("head_dim") && heads > 0 && hidden % heads != 0) {
            throw new UserError("config.json: hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        boolean bias = switch (arch) {
            case QWEN2 -> true;
            case LLAMA -> bool(json, "attention_bias", false);
            case MISTRAL -> false;
        };
        if (arch == Architecture.LLAMA && bool(json, "mlp_bias", false)) {
            throw new UserError("config.json: mlp_bias true is not supported");
        }
        int window = 0;
        if (arch == Architecture.MISTRAL && json.hasNonNull("sliding_window")) {
            window = integer(json, "sliding_window", 0, true);
        }
        if (arch == Architecture.QWEN2 && bool(json, "use_sliding_window", false)) {
            throw new UserError("config.json: use_sliding_window true is not supported for qwen2");
        }
        if (json.hasNonNull("pretraining_tp") && integer(json, "pretraining_tp", 1, false) != 1) {
            throw new UserError("config.json: pretraining_tp other than 1 is not supported");
        }
        int vocab = integer(json, "vocab_size", -1, true);
        return new ModelConfig(arch,
                vocab,
                hidden,
                integer(json, "intermediate_size", -1, true),
                integer(json, "num_hidden_layers", -1, true),
                heads,
                kvHeads,
                headDim,
                number(json, "rms_norm_eps", 1e-6),
                number(json, "rope_theta", 10000.0),
                ropeScaling(json.get("rope_scaling")),
                integer(json, "max_position_embeddings", 2048, false),
                bool(json, "tie_word_embeddings", false),
                bias,
                window,
                tokenId(json, "bos_token_id"),
                tokenId(json, "eos_token_id"));
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new UserError("config.json: rope_scaling must be an object or null");
        }
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText()
                : node.hasNonNull("type") ? node.get("type").asText() : "default";
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "default" -> null;
            case "llama3" -> new RopeScaling(
                    number(node, "factor", -1, "rope_scaling.factor"),
                    number(node, "low_freq_factor", -1, "rope_scaling.low_freq_factor"),
                    number(node, "high_freq_factor", -1, "rope_scaling.high_freq_factor"),
                    (int) number(node, "original_max_position_embeddings", -1,
                            "rope_scaling.original_max_position_embeddings"));
            default -> throw new UserError("config.json: rope_scaling.rope_type '" + type
                    + "' is not supported (supported: default, llama3)");
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
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", rmsNormEps);
        n.put("rope_theta", ropeTheta);
        if (ropeScaling != null) {
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
        if (architecture == Architecture.MISTRAL) {
            if (slidingWindow > 0) {
                n.put("sliding_window", slidingWindow);
            } else {
                n.putNull("sliding_window");
            }
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

    /** The same model with a different number of layers (a layer path's export). */
    public ModelConfig withNumLayers(int layers) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, layers, numHeads, numKvHeads,
                headDim, rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, attentionBias,
                slidingWindow, bosTokenId, eosTokenId);
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
