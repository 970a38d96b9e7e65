package dev.evomerge.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.zoo.CharTokenizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random tiny checkpoints of each family and a character-level tokenizer.json, all seeded. */
public final class TinyModels {
    static final ObjectMapper JSON = new ObjectMapper();
    /** <pad>, <s>, </s>, <unk>, then printable ASCII 32..126. */
    static final int CHAR_VOCAB = 4 + 95;
    static final int BOS = 1;
    static final int EOS = 2;

    private TinyModels() {}

    static ObjectNode llamaJson() {
        ObjectNode n = base("llama", 2);
        ObjectNode rs = n.putObject("rope_scaling");
        rs.put("rope_type", "llama3");
        rs.put("factor", 8.0);
        rs.put("low_freq_factor", 1.0);
        rs.put("high_freq_factor", 4.0);
        rs.put("original_max_position_embeddings", 16);
        n.put("rope_theta", 500.0);
        n.put("tie_word_embeddings", false);
        return n;
    }

    static ObjectNode mistralJson() {
        ObjectNode n = base("mistral", 4);
        n.put("sliding_window", 5);
        n.put("tie_word_embeddings", false);
        return n;
    }

    static ObjectNode qwen2Json() {
        ObjectNode n = base("qwen2", 1);
        n.put("tie_word_embeddings", true);
        n.put("rope_theta", 1000000.0);
        return n;
    }

    /** Qwen3 with head_dim 12 (not hidden / heads = 8). */
    static ObjectNode qwen3Json() {
        ObjectNode n = base("qwen3", 2);
        n.put("head_dim", 12);
        n.put("tie_word_embeddings", false);
        return n;
    }

    /** Gemma 2 with small soft-caps, so that they matter, and a window of 5 on layers 0 and 2. */
    static ObjectNode gemma2Json() {
        ObjectNode n = base("gemma2", 2);
        n.remove("hidden_act");
        n.put("head_dim", 8);
        n.put("query_pre_attn_scalar", 12);
        n.put("attn_logit_softcapping", 2.0);
        n.put("final_logit_softcapping", 3.0);
        n.put("sliding_window", 5);
        return n;
    }

    /** Gemma 3 (text) with a local rotary base, linear scaling on global layers and every 2nd layer global. */
    static ObjectNode gemma3Json() {
        ObjectNode n = base("gemma3_text", 1);
        n.remove("hidden_act");
        n.put("head_dim", 8);
        n.put("query_pre_attn_scalar", 8);
        n.put("rope_local_base_freq", 100.0);
        n.putObject("rope_scaling").put("rope_type", "linear").put("factor", 4.0);
        n.put("sliding_window", 5);
        n.put("sliding_window_pattern", 2);
        return n;
    }

    static ObjectNode phi3Json() {
        ObjectNode n = base("phi3", 2);
        n.put("sliding_window", 5);
        n.put("tie_word_embeddings", false);
        return n;
    }

    private static ObjectNode base(String type, int kvHeads) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", type);
        n.put("vocab_size", CHAR_VOCAB);
        n.put("hidden_size", 32);
        n.put("intermediate_size", 48);
        n.put("num_hidden_layers", 3);
        n.put("num_attention_heads", 4);
        n.put("num_key_value_heads", kvHeads);
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", 1e-5);
        n.put("max_position_embeddings", 128);
        n.put("bos_token_id", BOS);
        n.put("eos_token_id", EOS);
        return n;
    }

    static ModelConfig config(ObjectNode json) {
        return ModelConfig.fromJson(json);
    }

    /** Every tensor a checkpoint of {@code c} holds, with its shape, in Hugging Face naming. */
    static Map<String, long[]> shapes(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        long d = c.headDim();
        m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int l = 0; l < c.numLayers(); l++) {
            for (String suffix : LayerPath.layerTensors(c)) {
                long[] shape = switch (suffix) {
                    case "self_attn.q_proj.weight" -> new long[] {q, h};
                    case "self_attn.k_proj.weight", "self_attn.v_proj.weight" -> new long[] {kv, h};
                    case "self_attn.qkv_proj.weight" -> new long[] {q + 2 * kv, h};
                    case "self_attn.q_proj.bias" -> new long[] {q};
                    case "self_attn.k_proj.bias", "self_attn.v_proj.bias" -> new long[] {kv};
                    case "self_attn.q_norm.weight", "self_attn.k_norm.weight" -> new long[] {d};
                    case "self_attn.o_proj.weight" -> new long[] {h, q};
                    case "mlp.gate_proj.weight", "mlp.up_proj.weight" -> new long[] {f, h};
                    case "mlp.gate_up_proj.weight" -> new long[] {2 * f, h};
                    case "mlp.down_proj.weight" -> new long[] {h, f};
                    default -> new long[] {h}; // the layer norms and o_proj's bias
                };
                m.put("model.layers." + l + "." + suffix, shape);
            }
        }
        m.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return m;
    }

    /** Gaussian weights (std 0.2; norms 1 +- 0.1) rounded to {@code dtype}. */
    static InMemoryTensors random(ModelConfig c, long seed, DType dtype) {
        Random rnd = new Random(seed);
        InMemoryTensors t = new InMemoryTensors();
        for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
            boolean norm = e.getKey().endsWith("norm.weight");
            TensorInfo info = new TensorInfo(e.getKey(), dtype, e.getValue());
            MemorySegment seg = t.allocate(info);
            for (long i = 0; i < info.numel(); i++) {
                float v = (float) (norm ? 1 + 0.1 * rnd.nextGaussian() : 0.2 * rnd.nextGaussian());
                switch (dtype) {
                    case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                    case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
                    case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, toBf16(v));
                    default -> throw new IllegalArgumentException(dtype.toString());
                }
            }
        }
        return t;
    }

    /** Round to nearest even, as torch does. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** The zoo's character-level tokenizer.json (BPE over single characters, no merges, Fuse decoder). */
    public static Path writeCharTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        return Files.write(dir.resolve("tokenizer.json"), CharTokenizer.tokenizerJson());
    }

    /** Token ids of printable ASCII text under {@link #writeCharTokenizer}. */
    static int[] charIds(String s) {
        int[] ids = new int[s.length()];
        for (int i = 0; i < s.length(); i++) {
            ids[i] = 4 + (s.charAt(i) - 32);
        }
        return ids;
    }

    static List<int[]> randomSequences(long seed, int count, int minLen, int maxLen, int vocab) {
        Random rnd = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] s = new int[minLen + rnd.nextInt(maxLen - minLen + 1)];
            for (int j = 0; j < s.length; j++) {
                s[j] = rnd.nextInt(vocab);
            }
            out.add(s);
        }
        return out;
    }
}
