package dev.evomerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Llama decoder whose weights are trainable NDArrays (Hugging Face names and shapes, {@code [out, in]} for linear
 * layers), with a full-sequence forward pass that PyTorch's autograd differentiates. The math is the runtime's
 * ({@link LlamaModel}): RMSNorm, rotate-half rotary embeddings, grouped-query attention, SwiGLU;
 * a test checks that both give the same logits on the same weights.
 *
 * <p>Shape letters: B batch, T tokens, H hidden, NH query heads, KV key/value heads, G = NH / KV, D head dim,
 * V vocabulary. Only Llama without attention biases or rope scaling is supported (all the zoo needs).
 *
 * <p>Gradient refinement ({@code dev.evomerge.search.refine}) reuses the forward pass over weights it builds in the
 * autograd graph itself ({@link #over}); the zoo trainer's own paths are unchanged.
 */
public final class TrainableLlama implements AutoCloseable {
    private static final float MASKED = -1e9f;

    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    /** Low-rank adapters by weight name: A [r, in] then B [out, r]; empty for a full-weight model. */
    private final Map<String, NDArray[]> adapters;
    private final float loraScale;
    private final float[] invFreq;

    private TrainableLlama(ModelConfig config, NDManager manager, Map<String, NDArray> params,
                           Map<String, NDArray[]> adapters, float loraScale) {
        if (config.architecture() != ModelConfig.Architecture.LLAMA || config.attentionBias()
                || config.ropeScaling() != null || config.tieWordEmbeddings()) {
            throw new IllegalArgumentException("the trainer supports plain untied Llama configs only");
        }
        this.config = config;
        this.manager = manager;
        this.params = params;
        this.adapters = adapters;
        this.loraScale = loraScale;
        this.invFreq = new float[config.headDim() / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim()));
        }
    }

    /** Every tensor of a checkpoint of {@code c}, in Hugging Face order and naming, with its shape. */
    public static Map<String, long[]> shapes(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "mlp.gate_proj.weight", new long[] {f, h});
            m.put(p + "mlp.up_proj.weight", new long[] {f, h});
            m.put(p + "mlp.down_proj.weight", new long[] {h, f});
        }
        m.put("model.norm.weight", new long[] {h});
        m.put("lm_head.weight", new long[] {c.vocabSize(), h});
        return m;
    }

    /**
     * GPT-2-style initialization: N(0, 0.02) for every matrix, with the residual projections (o_proj, down_proj)
     * scaled by 1/sqrt(2 x layers) (Radford et al. 2019, section 2.3); norms start at 1.
     */
    public static Map<String, float[]> initialValues(ModelConfig c, long seed) {
        Random rnd = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        double residualStd = 0.02 / Math.sqrt(2.0 * c.numLayers());
        for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
            String name = e.getKey();
            float[] v = new float[Math.toIntExact(numel(e.getValue()))];
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else {
                double std = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? residualStd : 0.02;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (std * rnd.nextGaussian());
                }
            }
            out.put(name, v);
        }
        return out;
    }

    /** A model over copies of {@code values} (every tensor of {@link #shapes}), all requiring gradients. */
    public static TrainableLlama of(NDManager parent, ModelConfig config, Map<String, float[]> values) {
        NDManager m = parent.newSubManager();
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            float[] v = values.get(e.getKey());
            if (v == null || v.length != numel(e.getValue())) {
                m.close();
                throw new IllegalArgumentException("tensor " + e.getKey() + " is missing or has the wrong size");
            }
            NDArray a = owned(m, v, new Shape(e.getValue()));
            a.setRequiresGradient(true);
            params.put(e.getKey(), a);
        }
        return new TrainableLlama(config, m, params, Map.of(), 0f);
    }

    /**
     * A LoRA model (Hu et al. 2021): {@code values} frozen, and on every attention and MLP projection W a trainable
     * update (alpha / r) B A with A [r, in] ~ N(0, 1/in) and B [out, r] = 0, so training starts at the base. Only
     * the adapters are {@link #parameters()}; {@link #values()} folds them into the weights.
     */
    public static TrainableLlama lora(NDManager parent, ModelConfig config, Map<String, float[]> values, int rank,
                               double alpha, long seed) {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be positive, but was " + rank);
        }
        NDManager m = parent.newSubManager();
        Random rnd = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        Map<String, NDArray[]> adapters = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            float[] v = values.get(e.getKey());
            if (v == null || v.length != numel(e.getValue())) {
                m.close();
                throw new IllegalArgumentException("tensor " + e.getKey() + " is missing or has the wrong size");
            }
            params.put(e.getKey(), owned(m, v, new Shape(e.getValue())));
            if (e.getKey().contains(".self_attn.") || e.getKey().contains(".mlp.")) {
                long out = e.getValue()[0];
                long in = e.getValue()[1];
                float[] a = new float[Math.toIntExact(rank * in)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (rnd.nextGaussian() / Math.sqrt(in));
                }
                NDArray aNd = owned(m, a, new Shape(rank, in));
                NDArray bNd = m.zeros(new Shape(out, rank));
                aNd.setRequiresGradient(true);
                bNd.setRequiresGradient(true);
                adapters.put(e.getKey(), new NDArray[] {aNd, bNd});
            }
        }
        return new TrainableLlama(config, m, params, adapters, (float) (alpha / rank));
    }

    /**
     * A model over {@code weights} as they are (every tensor of {@link #shapes}, not copied, still owned by the
     * caller): arrays computed in an autograd graph, e.g. base + sum of coefficient x task vector, whose gradient
     * reaches whatever they were computed from. Closing the model leaves them alone.
     */
    public static TrainableLlama over(NDManager parent, ModelConfig config, Map<String, NDArray> weights) {
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            NDArray w = weights.get(e.getKey());
            if (w == null || !w.getShape().equals(new Shape(e.getValue()))) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " is missing or has the wrong shape");
            }
        }
        return new TrainableLlama(config, parent.newSubManager(), new LinkedHashMap<>(weights), Map.of(), 0f);
    }

    ModelConfig config() {
        return config;
    }

    /** The trainable arrays by name (live: the optimizer updates them in place): the adapters of a LoRA model. */
    public Map<String, NDArray> parameters() {
        if (adapters.isEmpty()) {
            return params;
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        adapters.forEach((k, ab) -> {
            out.put(k + ".lora_A", ab[0]);
            out.put(k + ".lora_B", ab[1]);
        });
        return out;
    }

    /** Current weights (adapters folded in), copied to the heap. */
    public Map<String, float[]> values() {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager tmp = manager.newSubManager()) {
            params.forEach((k, v) -> {
                NDArray[] ab = adapters.get(k);
                if (ab == null) {
                    out.put(k, v.toFloatArray());
                } else {
                    NDArray delta = ab[1].matMul(ab[0]);
                    delta.attach(tmp);
                    NDArray w = v.add(delta.mul(constant(tmp, loraScale)));
                    w.attach(tmp);
                    out.put(k, w.toFloatArray());
                }
            });
        }
        return out;
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long parameterCount() {
        return shapes(config).values().stream().mapToLong(TrainableLlama::numel).sum();
    }

    /**
     * Logits [B, T, V] of token rows {@code ids} (B x T, row-major) with causal attention from position 0. Right
     * padding needs no key mask: a real token never attends to a later position.
     */
    public NDArray logits(NDManager fm, long[] ids, int b, int t) {
        int nh = config.numHeads();
        int kvh = config.numKvHeads();
        int g = config.groupSize();
        int d = config.headDim();
        NDArray idsNd = owned(fm, ids, new Shape(b, t));
        float[] angles = new float[t * d];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < d / 2; i++) {
                angles[p * d + i] = p * invFreq[i];
                angles[p * d + i + d / 2] = p * invFreq[i];
            }
        }
        NDArray emb = owned(fm, angles, new Shape(1, 1, t, d));
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        float[] mask = new float[t * t];
        for (int q = 0; q < t; q++) {
            for (int k = q + 1; k < t; k++) {
                mask[q * t + k] = MASKED;
            }
        }
        NDArray maskNd = owned(fm, mask, new Shape(1, 1, 1, t, t));
        float qScale = (float) (1.0 / Math.sqrt(d));

        NDArray x = idsNd.getNDArrayInternal().embedding(idsNd, p("model.embed_tokens.weight"), SparseFormat.DENSE)
                .singletonOrThrow();                                                          // [B, T, H]
        for (int l = 0; l < config.numLayers(); l++) {
            String pre = "model.layers." + l + ".";
            NDArray h = rmsNorm(x, p(pre + "input_layernorm.weight"));
            NDArray q = linear(h, pre + "self_attn.q_proj.weight").reshape(b, t, nh, d).transpose(0, 2, 1, 3);
            NDArray k = linear(h, pre + "self_attn.k_proj.weight").reshape(b, t, kvh, d).transpose(0, 2, 1, 3);
            NDArray v = linear(h, pre + "self_attn.v_proj.weight").reshape(b, t, kvh, d).transpose(0, 2, 1, 3);
            q = rope(q, cos, sin, d).mul(constant(fm, qScale));
            k = rope(k, cos, sin, d);
            // Query head h uses kv head h / G: the G heads of a group are stacked on the query axis.
            NDArray scores = q.reshape(b, kvh, g * t, d).matMul(k.transpose(0, 1, 3, 2))
                    .reshape(b, kvh, g, t, t).add(maskNd);
            NDArray attn = scores.softmax(-1).reshape(b, kvh, g * t, t).matMul(v)            // [B, KV, G*T, D]
                    .reshape(b, nh, t, d).transpose(0, 2, 1, 3).reshape(b, t, nh * d);
            x = x.add(linear(attn, pre + "self_attn.o_proj.weight"));
            h = rmsNorm(x, p(pre + "post_attention_layernorm.weight"));
            NDArray gate = linear(h, pre + "mlp.gate_proj.weight");
            NDArray up = linear(h, pre + "mlp.up_proj.weight");
            x = x.add(linear(gate.mul(Activation.sigmoid(gate)).mul(up), pre + "mlp.down_proj.weight"));
        }
        return linear(rmsNorm(x, p("model.norm.weight")), "lm_head.weight");
    }

    /**
     * Mean next-token cross-entropy over positions whose {@code weights} entry is non-zero: position p predicts
     * ids[p + 1] with weight weights[p + 1]. Returns a scalar that autograd can differentiate.
     */
    public NDArray loss(NDManager fm, long[] ids, float[] weights, int b, int t) {
        long[] inputs = new long[b * (t - 1)];
        long[] targets = new long[b * (t - 1)];
        float[] w = new float[b * (t - 1)];
        float total = 0;
        for (int i = 0; i < b; i++) {
            for (int p = 0; p + 1 < t; p++) {
                inputs[i * (t - 1) + p] = ids[i * t + p];
                targets[i * (t - 1) + p] = ids[i * t + p + 1];
                w[i * (t - 1) + p] = weights[i * t + p + 1];
                total += weights[i * t + p + 1];
            }
        }
        NDArray logp = logits(fm, inputs, b, t - 1).logSoftmax(-1);
        NDArray picked = logp.gather(owned(fm, targets, new Shape(b, t - 1, 1)), 2).reshape(b, t - 1);
        return picked.mul(owned(fm, w, new Shape(b, t - 1))).sum().div(constant(fm, -Math.max(total, 1e-9f)));
    }

    /**
     * An array that owns its memory. DJL's PyTorch engine wraps a Java array's copy with {@code from_blob}, memory
     * that only the wrapper keeps alive; a tensor that outlives the wrapper (a saved tensor of an autograd graph, a
     * view) would then read freed memory. The clone makes PyTorch the owner.
     */
    private static NDArray owned(NDManager m, float[] v, Shape shape) {
        try (NDArray blob = m.create(v, shape)) {
            return blob.duplicate();
        }
    }

    /**
     * A scalar for the autograd graph. Never {@code x.mul(2f)}: DJL turns the number into a tensor over a direct
     * buffer and closes it at once, autograd keeps that tensor for the backward pass, and the collector may have
     * freed the buffer by then (a test reproduces the garbage gradients).
     */
    private static NDArray constant(NDManager m, float v) {
        return owned(m, new float[] {v}, new Shape());
    }

    private static NDArray owned(NDManager m, long[] v, Shape shape) {
        try (NDArray blob = m.create(v, shape)) {
            return blob.duplicate();
        }
    }

    private NDArray p(String name) {
        return params.get(name);
    }

    private NDArray linear(NDArray x, String name) {
        NDArray[] ab = adapters.get(name);
        NDArray w = ab == null ? p(name) : p(name).add(ab[1].matMul(ab[0]).mul(constant(x.getManager(), loraScale)));
        return x.matMul(w.transpose());
    }

    /** RMSNorm (Zhang and Sennrich 2019): x / sqrt(mean(x^2) + eps) * w. */
    private NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(constant(x.getManager(), (float) config.rmsNormEps()))
                .sqrt();
        return x.div(rms).mul(w);
    }

    /** x * cos + rotate_half(x) * sin (Su et al. 2021, Hugging Face's rotate-half layout). */
    private static NDArray rope(NDArray x, NDArray cos, NDArray sin, int d) {
        int half = d / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        return x.mul(cos).add(x2.neg().concat(x1, -1).mul(sin));
    }

    static List<String> names(ModelConfig c) {
        return List.copyOf(shapes(c).keySet());
    }

    static DataType dtype() {
        return DataType.FLOAT32;
    }

    @Override
    public void close() {
        manager.close();
    }
}
