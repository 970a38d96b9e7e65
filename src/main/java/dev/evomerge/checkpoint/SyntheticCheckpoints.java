package dev.evomerge.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Random Llama-shaped checkpoints for tests and benchmarks, written through {@link CheckpointWriter}. Every element
 * is a pure function of (seed, tensor name, element index) through a SplitMix64 hash, so output is bit-identical
 * whatever the thread count, and a checkpoint of any size streams out in chunks without being held in heap.
 *
 * <p>Scales follow real checkpoints: matrices and biases are normal-ish with std 0.02 (the usual
 * {@code initializer_range}), RMSNorm weights are 1. A fine-tune is its base plus a seeded delta with std
 * {@code deltaScale} times the tensor's scale, so task vectors are small, as after real fine-tuning.
 */
public final class SyntheticCheckpoints {
    /** Std of matrices and biases (transformers' default initializer_range). */
    public static final double WEIGHT_STD = 0.02;
    private static final int CHUNK = 1 << 16;

    private SyntheticCheckpoints() {}

    /** Model dimensions; {@code qkvBias} gives the Qwen2 family (biases on q/k/v projections). */
    public record Dims(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
            boolean tieEmbeddings, boolean qkvBias) {
        public Dims {
            positive("vocab", vocab);
            positive("hidden", hidden);
            positive("intermediate", intermediate);
            positive("layers", layers);
            positive("heads", heads);
            positive("kvHeads", kvHeads);
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("hidden must be a multiple of heads, but was " + hidden
                        + " with " + heads + " heads");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("heads must be a multiple of kvHeads, but was " + heads
                        + " with " + kvHeads + " kvHeads");
            }
        }

        private static void positive(String field, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(field + " must be positive, but was " + v);
            }
        }

        public int headDim() {
            return hidden / heads;
        }

        /** A few-kilobyte Llama for unit tests (vocab 64, hidden 16, 2 layers, GQA 4/2). */
        public static Dims tiny() {
            return new Dims(64, 16, 32, 2, 4, 2, false, false);
        }
    }

    /** One synthetic model: a base ({@code deltaScale == 0}) or a fine-tune of the base with the same seed. */
    public record Model(Dims dims, DType dtype, long seed, long deltaSeed, double deltaScale) {
        public Model {
            java.util.Objects.requireNonNull(dims, "dims");
            if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
                throw new IllegalArgumentException("dtype must be F32, F16 or BF16, but was " + dtype);
            }
            if (!(deltaScale >= 0) || Double.isInfinite(deltaScale)) {
                throw new IllegalArgumentException("deltaScale must be finite and non-negative, but was "
                        + deltaScale);
            }
        }

        public static Model base(Dims dims, DType dtype, long seed) {
            return new Model(dims, dtype, seed, 0, 0);
        }

        /** The same base plus a delta of std {@code deltaScale} × (tensor scale), e.g. 0.01. */
        public Model fineTune(long deltaSeed, double deltaScale) {
            return new Model(dims, dtype, seed, deltaSeed, deltaScale);
        }

        /** Element {@code index} (row-major) of tensor {@code name}, before rounding to the dtype. */
        public float value(String name, long index) {
            boolean norm = TensorNames.classify(name).group() == TensorNames.Group.NORM;
            double scale = norm ? 1.0 : WEIGHT_STD;
            double v = norm ? 1.0 : WEIGHT_STD * gaussian(key(seed, name), index);
            if (deltaScale != 0) {
                v += deltaScale * scale * gaussian(key(deltaSeed ^ 0x5DEECE66DL, name), index);
            }
            return (float) v;
        }

        /** Writes the checkpoint (weights + config.json) to {@code dir} using {@code threads} threads. */
        public Path write(Path dir, long maxShardBytes, int threads) {
            return SyntheticCheckpoints.write(this, dir, maxShardBytes, threads);
        }
    }

    /** Tensors in transformers' order for LlamaForCausalLM / Qwen2ForCausalLM. */
    public static List<TensorInfo> plan(Dims d, DType dtype) {
        long h = d.hidden();
        long q = (long) d.heads() * d.headDim();
        long kv = (long) d.kvHeads() * d.headDim();
        long inter = d.intermediate();
        List<TensorInfo> p = new ArrayList<>();
        p.add(new TensorInfo("model.embed_tokens.weight", dtype, new long[] {d.vocab(), h}));
        for (int l = 0; l < d.layers(); l++) {
            String pre = "model.layers." + l + ".";
            p.add(new TensorInfo(pre + "input_layernorm.weight", dtype, new long[] {h}));
            p.add(new TensorInfo(pre + "self_attn.q_proj.weight", dtype, new long[] {q, h}));
            p.add(new TensorInfo(pre + "self_attn.k_proj.weight", dtype, new long[] {kv, h}));
            p.add(new TensorInfo(pre + "self_attn.v_proj.weight", dtype, new long[] {kv, h}));
            if (d.qkvBias()) {
                p.add(new TensorInfo(pre + "self_attn.q_proj.bias", dtype, new long[] {q}));
                p.add(new TensorInfo(pre + "self_attn.k_proj.bias", dtype, new long[] {kv}));
                p.add(new TensorInfo(pre + "self_attn.v_proj.bias", dtype, new long[] {kv}));
            }
            p.add(new TensorInfo(pre + "self_attn.o_proj.weight", dtype, new long[] {h, q}));
            p.add(new TensorInfo(pre + "mlp.gate_proj.weight", dtype, new long[] {inter, h}));
            p.add(new TensorInfo(pre + "mlp.up_proj.weight", dtype, new long[] {inter, h}));
            p.add(new TensorInfo(pre + "mlp.down_proj.weight", dtype, new long[] {h, inter}));
            p.add(new TensorInfo(pre + "post_attention_layernorm.weight", dtype, new long[] {h}));
        }
        p.add(new TensorInfo("model.norm.weight", dtype, new long[] {h}));
        if (!d.tieEmbeddings()) {
            p.add(new TensorInfo("lm_head.weight", dtype, new long[] {d.vocab(), h}));
        }
        return p;
    }

    /** A config.json that transformers would accept for these dimensions. */
    public static ObjectNode config(Dims d, DType dtype) {
        ObjectNode c = SafetensorsFile.JSON.createObjectNode();
        boolean qwen = d.qkvBias();
        c.putArray("architectures").add(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        c.put("model_type", qwen ? "qwen2" : "llama");
        c.put("vocab_size", d.vocab());
        c.put("hidden_size", d.hidden());
        c.put("intermediate_size", d.intermediate());
        c.put("num_hidden_layers", d.layers());
        c.put("num_attention_heads", d.heads());
        c.put("num_key_value_heads", d.kvHeads());
        c.put("head_dim", d.headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", 2048);
        c.put("rms_norm_eps", qwen ? 1e-6 : 1e-5);
        c.put("rope_theta", qwen ? 1_000_000.0 : 10_000.0);
        c.put("initializer_range", WEIGHT_STD);
        c.put("tie_word_embeddings", d.tieEmbeddings());
        if (!qwen) {
            c.put("attention_bias", false);
        }
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", dtype.torchName());
        return c;
    }

    static Path write(Model m, Path dir, long maxShardBytes, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, but was " + threads);
        }
        List<TensorInfo> plan = plan(m.dims(), m.dtype());
        List<String> chunkTensor = new ArrayList<>();
        List<Long> chunkStart = new ArrayList<>();
        for (TensorInfo t : plan) {
            long n = t.numel();
            for (long s = 0; s < n; s += CHUNK) {
                chunkTensor.add(t.name());
                chunkStart.add(s);
            }
        }
        java.util.Map<String, Long> sizes = new java.util.HashMap<>();
        plan.forEach(t -> sizes.put(t.name(), t.numel()));
        try (CheckpointWriter w = CheckpointWriter.create(dir, plan, maxShardBytes, false);
                ForkJoinPool pool = new ForkJoinPool(threads)) {
            pool.submit(() -> IntStream.range(0, chunkTensor.size()).parallel().forEach(c -> {
                String name = chunkTensor.get(c);
                long start = chunkStart.get(c);
                int len = (int) Math.min(CHUNK, sizes.get(name) - start);
                float[] buf = new float[len];
                fill(m, name, start, buf);
                w.writeFloats(name, start, buf, 0, len);
            })).get();
            w.writeFile(Checkpoint.CONFIG_FILE, Json.pretty(config(m.dims(), m.dtype())));
            return w.commit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + dir, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The hot loop of {@link Model#value}, hoisting the per-tensor work out of the element loop. */
    private static void fill(Model m, String name, long start, float[] buf) {
        boolean norm = TensorNames.classify(name).group() == TensorNames.Group.NORM;
        double scale = norm ? 1.0 : WEIGHT_STD;
        long k = key(m.seed(), name);
        long dk = key(m.deltaSeed() ^ 0x5DEECE66DL, name);
        double ds = m.deltaScale() * scale;
        if (ds == 0) {
            if (norm) {
                java.util.Arrays.fill(buf, 1.0f);
            } else {
                for (int i = 0; i < buf.length; i++) {
                    buf[i] = (float) (WEIGHT_STD * gaussian(k, start + i));
                }
            }
            return;
        }
        // Base and delta are added in double and rounded once, exactly as Model.value does.
        for (int i = 0; i < buf.length; i++) {
            double base = norm ? 1.0 : WEIGHT_STD * gaussian(k, start + i);
            buf[i] = (float) (base + ds * gaussian(dk, start + i));
        }
    }

    /** Writes every tensor of {@code src} converted to {@code dtype} (plus an optional config) as one file. */
    public static Path writeTensors(Path dir, TensorSource src, DType dtype, ObjectNode config) {
        List<TensorInfo> plan = src.names().stream()
                .map(n -> new TensorInfo(n, dtype, src.info(n).shape())).toList();
        try (CheckpointWriter w = CheckpointWriter.create(dir, plan, Long.MAX_VALUE, false)) {
            for (String n : src.names()) {
                TensorInfo in = src.info(n);
                if (in.dtype() == dtype) {
                    w.writeBytes(n, 0, src.bytes(n));
                } else {
                    long total = in.numel();
                    float[] buf = new float[(int) Math.min(CHUNK, Math.max(1, total))];
                    for (long s = 0; s < total; s += buf.length) {
                        int len = (int) Math.min(buf.length, total - s);
                        FloatCodec.decode(in.dtype(), src.bytes(n), s * in.dtype().byteSize(), buf, 0, len);
                        w.writeFloats(n, s, buf, 0, len);
                    }
                }
            }
            if (config != null) {
                w.writeFile(Checkpoint.CONFIG_FILE, Json.pretty(config));
            }
            return w.commit();
        }
    }

    // ---- counter-based randomness ---------------------------------------------------------------------------

    /** Per-tensor stream key: the seed mixed with a 64-bit FNV-1a hash of the name. */
    static long key(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100000001b3L;
        }
        return mix(seed ^ mix(h));
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** sqrt(4 × (2^32 − 1) / 12): std of a sum of four uniform 16-bit integers. */
    private static final double IRWIN_HALL_STD = Math.sqrt(4.0 * (65536.0 * 65536.0 - 1) / 12.0);

    /**
     * Element {@code index} of stream {@code key}: an Irwin-Hall(4) variate from the four 16-bit pieces of one
     * SplitMix64 output, scaled to mean 0 and std 1 (normal-ish, bounded by ±3.46).
     */
    static double gaussian(long key, long index) {
        long r = mix(key + index * 0x9e3779b97f4a7c15L);
        long s = (r & 0xFFFF) + ((r >>> 16) & 0xFFFF) + ((r >>> 32) & 0xFFFF) + (r >>> 48);
        return (s - 2 * 65535.0) / IRWIN_HALL_STD;
    }
}
