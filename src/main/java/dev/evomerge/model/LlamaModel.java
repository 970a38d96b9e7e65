package dev.evomerge.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3's text model, Phi-3; see
 * {@link ModelConfig} for how they differ) on DJL's PyTorch engine, in float32 on the CPU, float16 on CUDA
 * ({@link RuntimeOptions#device}, {@link RuntimeOptions#precision}).
 *
 * <p>Shape letters: B batch, T new tokens, S keys (past + new), H hidden size, NH query heads, KV key/value heads,
 * G = NH / KV, D head dim, F intermediate size, V vocabulary.
 *
 * <p>One forward pass per batch: scoring never calls the engine per token. Every public call runs inside an
 * {@link NDScope}, so no intermediate outlives it. Not thread-safe: one model per thread.
 */
public final class LlamaModel implements LanguageModel {
    /** Additive attention bias for masked keys; finite so a fully masked (padding) query row stays finite. */
    private static final float MASKED = -1e9f;
    /** Most logits materialized at once when scoring (floats): bounds memory for large vocabularies. */
    private static final long LOGIT_CHUNK = 1L << 25;

    private final ModelConfig config;
    private final ModelConfig sourceConfig;
    private final RuntimeOptions options;
    private final TextTokenizer tokenizer;
    private final List<AutoCloseable> owned;
    private final NDManager manager;
    /** Rotary inverse frequencies of full-attention layers, and of sliding-window layers (Gemma 3's local base). */
    private final float[] invFreq;
    private final float[] invFreqLocal;
    /** The weights' and matmuls' type: the options' precision until a float16 probe fails, then float32. */
    private DataType dtype;
    private Weights weights;
    /** Test seam: runs after every decoder layer of every forward pass (null: nothing). */
    private Runnable afterLayer;
    private long decoderTokens;
    private long logitRows;

    private LlamaModel(ModelConfig sourceConfig, List<? extends TensorSource> sources, LayerPath path,
                       TextTokenizer tokenizer, RuntimeOptions options, List<AutoCloseable> owned) {
        this.sourceConfig = Objects.requireNonNull(sourceConfig, "config");
        this.config = sourceConfig.withNumLayers(path.size());
        this.options = Objects.requireNonNull(options, "options");
        this.tokenizer = tokenizer;
        this.owned = List.copyOf(owned);
        options.device().requireAvailable();
        Engine engine = Engine.getEngine("PyTorch");
        if (options.intraOpThreads() > 0) {
            JniUtils.setNumThreads(options.intraOpThreads());
        }
        Device device = options.device().djl();
        this.manager = engine.newBaseManager(device);
        this.invFreq = inverseFrequencies(config);
        this.invFreqLocal = localInverseFrequencies(config);
        this.dtype = options.precision().djl();
        try {
            this.weights = Weights.load(manager, sourceConfig, sources, path, dtype);
            fallBackUnlessFinite(sources, path);
        } catch (RuntimeException e) {
            if (weights != null) {
                weights.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * A model over tensors already in memory (e.g. a merged candidate). F32 tensors in native memory are used in
     * place: {@code weights} must stay open until the model is closed or its weights are swapped.
     *
     * @param tokenizer null if only token-level methods ({@link #logits}, {@link #scoreTokens}) are used
     */
    public static LlamaModel fromTensors(ModelConfig config, TensorSource weights, TextTokenizer tokenizer,
                                         RuntimeOptions options) {
        return new LlamaModel(config, List.of(weights), LayerPath.identity(config.numLayers()), tokenizer, options,
                List.of());
    }

    /**
     * A model whose layers follow {@code path} through {@code sources}, all of which {@code config} describes.
     * The sources must stay open until the model is closed or its weights are swapped.
     */
    public static LlamaModel fromLayerPath(ModelConfig config, List<? extends TensorSource> sources, LayerPath path,
                                           TextTokenizer tokenizer, RuntimeOptions options) {
        return new LlamaModel(config, sources, path, tokenizer, options, List.of());
    }

    /**
     * Opens a checkpoint directory (memory-mapped safetensors + config.json, and tokenizer.json when present). The
     * model owns the mapping and the tokenizer and closes them with itself; F32 weights are used straight from the
     * mapping.
     */
    public static LlamaModel load(Path checkpointDir, RuntimeOptions options) {
        Checkpoint cp = Checkpoint.open(checkpointDir);
        TextTokenizer tok = null;
        try {
            if (!cp.hasConfig()) {
                throw new UserError(cp.dir() + ": config.json is missing");
            }
            ModelConfig config = ModelConfig.fromJson(cp.config());
            if (Files.isRegularFile(cp.dir().resolve("tokenizer.json"))) {
                tok = TextTokenizer.load(cp.dir());
            }
            List<AutoCloseable> owned = tok == null ? List.of(cp) : List.of(cp, tok);
            return new LlamaModel(config, List.of(cp), LayerPath.identity(config.numLayers()), tok, options, owned);
        } catch (RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            cp.close();
            throw e;
        }
    }

    /** Engine arrays alive under this model (weights, caches and intermediates not yet freed); for leak tests. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /** Runs {@code probe} after each decoder layer of every forward pass; for tests that watch memory per layer. */
    void afterEachLayer(Runnable probe) {
        this.afterLayer = probe;
    }

    /** The running model's config (num_hidden_layers is the layer path's length). */
    public ModelConfig config() {
        return config;
    }

    /** Replaces every weight with {@code next}'s (same config); the old weights' engine memory is freed now. */
    public void swapWeights(TensorSource next) {
        swapWeights(List.of(next), LayerPath.identity(config.numLayers()));
    }

    /** Replaces every weight by a new layer path of the same length through {@code sources}. */
    public void swapWeights(List<? extends TensorSource> sources, LayerPath path) {
        if (path.size() != config.numLayers()) {
            throw new IllegalArgumentException("the new layer path has " + path.size() + " layers but the model has "
                    + config.numLayers());
        }
        Weights next = Weights.load(manager, sourceConfig, sources, path, dtype);
        Weights old = weights;
        weights = next;
        if (old != null) {
            old.close();
        }
        fallBackUnlessFinite(sources, path);
    }

    /**
     * Frees the weights now, so the next candidate can be built before they would otherwise be swapped out (one
     * candidate's weights in memory instead of two); the model needs {@link #swapWeights} before its next use.
     */
    public void releaseWeights() {
        if (weights != null) {
            weights.close();
            weights = null;
        }
    }

    /** The type the weights and matmuls are in now (float32 after a float16 fallback). */
    public Precision precision() {
        return dtype == DataType.FLOAT16 ? Precision.FLOAT16 : Precision.FLOAT32;
    }

    /**
     * float16 overflows past 65504, and a model whose activations go there gives infinite or NaN logits. So after
     * every float16 load a short probe runs; if its logits are not all finite the weights are reloaded in float32 and
     * this model stays there, with one warning.
     */
    private void fallBackUnlessFinite(List<? extends TensorSource> sources, LayerPath path) {
        if (dtype != DataType.FLOAT16 || probeIsFinite()) {
            return;
        }
        options.warnings().accept("float16 logits are not finite on a short probe (a value overflowed 65504); this "
                + "model computes in float32 on " + options.device() + " instead (twice the memory, slower)");
        weights.close();
        weights = null;
        dtype = DataType.FLOAT32;
        weights = Weights.load(manager, sourceConfig, sources, path, dtype);
    }

    private boolean probeIsFinite() {
        int[] probe = new int[Math.min(8, config.vocabSize())];
        for (int i = 0; i < probe.length; i++) {
            probe[i] = i == 0 && config.bosTokenId() >= 0 ? config.bosTokenId() : i;
        }
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray logits = head(forwardRightPadded(fm, List.of(probe), probe.length, null));
            return Float.isFinite(logits.abs().max().getFloat());
        }
    }

    /** {@code a} in float32 (itself if it already is): statistics and softmaxes never run in float16. */
    private static NDArray float32(NDArray a) {
        return as(a, DataType.FLOAT32);
    }

    /** {@code a} in the compute type (itself in a float32 model, so the CPU path has no extra ops). */
    private NDArray compute(NDArray a) {
        return as(a, dtype);
    }

    private static NDArray as(NDArray a, DataType t) {
        return a.getDataType() == t ? a : a.toType(t, false);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Token-level API

    /** Next-token log-probabilities along token sequences; see {@link #scoreTokens}. */
    public record TokenScores(float[] logProbs, boolean[] greedy) {}

    /**
     * For each sequence s of length n >= 2: {@code logProbs[t] = log p(s[t+1] | s[0..t])} for t < n-1, and whether
     * s[t+1] is the argmax. Sequences are batched (right-padded) up to the options' limits.
     */
    public List<TokenScores> scoreTokens(List<int[]> sequences) {
        for (int[] s : sequences) {
            if (s.length < 2) {
                throw new IllegalArgumentException("a scored sequence needs at least 2 tokens, but had " + s.length);
            }
            checkIds(s);
        }
        return scoreSequences(sequences, sequences.stream().mapToInt(s -> s.length - 1).toArray());
    }

    /** Like {@link #scoreTokens} but only the last {@code scored[i]} predictions of sequence i (1..n-1). */
    private List<TokenScores> scoreSequences(List<int[]> sequences, int[] scored) {
        TokenScores[] out = new TokenScores[sequences.size()];
        for (int[] batch : batches(sequences, 1)) {
            List<int[]> seqs = new ArrayList<>();
            int[] n = new int[batch.length];
            for (int k = 0; k < batch.length; k++) {
                seqs.add(sequences.get(batch[k]));
                n[k] = scored[batch[k]];
            }
            TokenScores[] got = scoreBatch(seqs, n);
            for (int k = 0; k < batch.length; k++) {
                out[batch[k]] = got[k];
            }
        }
        return Arrays.asList(out);
    }

    /**
     * Work done by scoring since the model was created: token slots fed through the decoder (padding included) and
     * hidden rows projected to the vocabulary.
     */
    public record ScoringWork(long decoderTokens, long logitRows) {}

    public ScoringWork scoringWork() {
        return new ScoringWork(decoderTokens, logitRows);
    }

    /** Raw logits [T][V] of one batch of sequences (right-padded together); for tests and tools. */
    public float[][][] logits(List<int[]> sequences) {
        sequences.forEach(this::checkIds);
        int b = sequences.size();
        int t = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        int v = config.vocabSize();
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray hidden = forwardRightPadded(fm, sequences, t, null);
            float[] flat = head(hidden).toFloatArray();
            float[][][] out = new float[b][][];
            for (int i = 0; i < b; i++) {
                int n = sequences.get(i).length;
                out[i] = new float[n][];
                for (int p = 0; p < n; p++) {
                    out[i][p] = Arrays.copyOfRange(flat, (i * t + p) * v, (i * t + p + 1) * v);
                }
            }
            return out;
        }
    }

    /** One right-padded forward pass; sequence i's last {@code scored[i]} predictions. */
    private TokenScores[] scoreBatch(List<int[]> seqs, int[] scored) {
        int b = seqs.size();
        int t = 0;
        for (int[] s : seqs) {
            t = Math.max(t, s.length - 1);
        }
        int rows = Arrays.stream(scored).sum();
        long[] rowIndex = new long[rows];
        long[] targets = new long[rows];
        int r = 0;
        for (int i = 0; i < b; i++) {
            int[] s = seqs.get(i);
            for (int p = s.length - 1 - scored[i]; p + 1 < s.length; p++, r++) {
                rowIndex[r] = (long) i * t + p;
                targets[r] = s[p + 1];
            }
        }
        List<int[]> inputs = seqs.stream().map(s -> Arrays.copyOf(s, s.length - 1)).toList();
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray hidden = forwardRightPadded(fm, inputs, t, null);
            return split(scoreRows(fm, hidden, rowIndex, targets), scored);
        }
    }

    /**
     * log p(target) and whether the target is the argmax, for the given rows of hidden [B, T, H] (flat index
     * b * T + t). Only those rows are projected to the vocabulary, a chunk at a time, and log p = logit[target] -
     * logsumexp(logits) replaces log-softmax: a chunk's logits and their exponentials together stay under
     * {@link #LOGIT_CHUNK} floats and no log-softmax array of the same size exists.
     */
    private TokenScores scoreRows(NDManager fm, NDArray hidden, long[] rowIndex, long[] targets) {
        int n = rowIndex.length;
        int v = config.vocabSize();
        float[] logp = new float[n];
        boolean[] greedy = new boolean[n];
        NDArray picked = hidden.reshape(-1, config.hiddenSize()).get(fm.create(rowIndex));    // [N, H]
        int chunk = (int) Math.max(1, Math.min(n, LOGIT_CHUNK / (2L * v)));
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int r1 = Math.min(n, r0 + chunk);
            try (NDScope ignored = new NDScope()) {
                NDArray logits = head(picked.get(new NDIndex("{}:{}", r0, r1)));                      // [n', V]
                logitRows += r1 - r0;
                NDArray target = logits.gather(fm.create(Arrays.copyOfRange(targets, r0, r1), new Shape(r1 - r0, 1)),
                        1).squeeze(1);
                long[] argmax = logits.argMax(1).toLongArray();
                NDArray max = logits.max(new int[] {1}, true);
                // DJL has no in-place exp: the chunk's exponentials are the one other [n', V] array, freed at once.
                NDArray exp = logits.subi(max).exp();
                logits.close();
                NDArray sumExp = exp.sum(new int[] {1});
                exp.close();
                float[] lp = target.sub(max.squeeze(1)).sub(sumExp.log()).toFloatArray();
                System.arraycopy(lp, 0, logp, r0, lp.length);
                for (int k = r0; k < r1; k++) {
                    greedy[k] = argmax[k - r0] == targets[k];
                }
            }
        }
        return new TokenScores(logp, greedy);
    }

    /**
     * Float32 logits [..., V] of final-norm hidden states [..., H]; Gemma 2 caps them as c * tanh(logits / c)
     * (final_logit_softcapping), after the head as transformers does.
     */
    private NDArray head(NDArray hidden) {
        NDArray logits = float32(hidden.matMul(weights.lmHeadT));
        return softcap(logits, config.variant().finalLogitSoftcap());
    }

    /** c * tanh(x / c), or x when c is 0 (Gemma 2's soft-capping). */
    private static NDArray softcap(NDArray x, double cap) {
        if (cap == 0) {
            return x;
        }
        return x.div((float) cap).tanh().mul((float) cap);
    }

    /** Cuts scored rows laid out sequence after sequence into one {@link TokenScores} per sequence. */
    private static TokenScores[] split(TokenScores all, int[] counts) {
        TokenScores[] out = new TokenScores[counts.length];
        int from = 0;
        for (int i = 0; i < counts.length; i++) {
            int to = from + counts[i];
            out[i] = new TokenScores(Arrays.copyOfRange(all.logProbs(), from, to),
                    Arrays.copyOfRange(all.greedy(), from, to));
            from = to;
        }
        return out;
    }

    /**
     * Final-norm hidden states [B, T, H] of right-padded sequences (positions 0.., causal, padding keys masked); with
     * {@code newKv}, only each layer's keys/values [B, KV, T, D], put there (returns null).
     */
    private NDArray forwardRightPadded(NDManager fm, List<int[]> seqs, int t, NDArray[] newKv) {
        int b = seqs.size();
        long[] ids = new long[b * t];
        long[] pos = new long[b * t];
        boolean[][] valid = new boolean[b][t];
        for (int i = 0; i < b; i++) {
            int[] s = seqs.get(i);
            for (int p = 0; p < t; p++) {
                ids[i * t + p] = p < s.length ? s[p] : 0;
                pos[i * t + p] = p;
                valid[i][p] = p < s.length;
            }
        }
        long[][] keyPos = new long[b][t];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < t; p++) {
                keyPos[i][p] = p;
            }
        }
        Masks bias = attentionBias(b, t, t, pos, keyPos, valid);
        return forward(fm, ids, pos, bias, b, t, t, null, newKv, newKv != null);
    }

    /**
     * Additive attention biases [B, 1, 1, T, S] (flattened) of full-attention and sliding-window layers; either is
     * null when no layer needs it.
     */
    private record Masks(float[] full, float[] sliding) {}

    private Masks attentionBias(int b, int t, int s, long[] queryPos, long[][] keyPos, boolean[][] keyValid) {
        boolean anyFull = false;
        boolean anySliding = false;
        for (int l = 0; l < config.numLayers(); l++) {
            anySliding |= config.isSliding(l);
            anyFull |= !config.isSliding(l);
        }
        return new Masks(anyFull ? attentionBias(b, t, s, queryPos, keyPos, keyValid, 0) : null,
                anySliding ? attentionBias(b, t, s, queryPos, keyPos, keyValid, config.slidingWindow()) : null);
    }

    /**
     * bias[b, i, j] = 0 where key j may be seen by query i (valid, not in the future, inside the sliding window
     * when {@code window} > 0: query minus key position below it, as transformers' sliding masks), else
     * {@link #MASKED}. Layout [B, 1, 1, T, S] flattened.
     */
    private static float[] attentionBias(int b, int t, int s, long[] queryPos, long[][] keyPos, boolean[][] keyValid,
                                         int window) {
        float[] bias = new float[b * t * s];
        for (int i = 0; i < b; i++) {
            for (int q = 0; q < t; q++) {
                long qp = queryPos[i * t + q];
                int base = (i * t + q) * s;
                for (int k = 0; k < s; k++) {
                    long kp = keyPos[i][k];
                    boolean ok = keyValid[i][k] && kp <= qp && (window == 0 || qp - kp < window);
                    bias[base + k] = ok ? 0f : MASKED;
                }
            }
        }
        return bias;
    }

    /**
     * The decoder stack. {@code pastK/pastV}: per layer [B, KV, S-T, D] or null; when {@code newK/newV} are given the
     * layer's full keys/values [B, KV, S, D] are put there (the caller owns them). Returns [B, T, H] after final norm,
     * or null with {@code keysOnly}, which stops once the last layer's keys/values are known (a shared prefix).
     */
    private NDArray forward(NDManager fm, long[] ids, long[] positions, Masks bias, int b, int t, int s,
                            NDArray[] pastKv, NDArray[] newKv, boolean keysOnly) {
        int d = config.headDim();
        decoderTokens += (long) b * t;
        NDArray idsNd = fm.create(ids, new Shape(b, t));
        float[] posF = new float[positions.length];
        for (int i = 0; i < posF.length; i++) {
            posF[i] = positions[i];
        }
        NDArray posNd = fm.create(posF, new Shape(b, t, 1));
        NDArray[] rot = rotary(fm, posNd, invFreq, b, t, d);
        NDArray[] rotLocal = invFreqLocal == invFreq ? rot : rotary(fm, posNd, invFreqLocal, b, t, d);
        NDArray fullBias = bias.full() == null ? null : fm.create(bias.full(), new Shape(b, 1, 1, t, s));
        NDArray slidingBias = bias.sliding() == null ? null : fm.create(bias.sliding(), new Shape(b, 1, 1, t, s));

        NDArray x = idsNd.getNDArrayInternal().embedding(idsNd, weights.embed, SparseFormat.DENSE).singletonOrThrow();
        if (config.architecture().gemma()) {
            // Gemma scales embeddings by sqrt(hidden_size), rounded to the compute type as transformers does.
            x = x.mul(compute(fm.create((float) Math.sqrt(config.hiddenSize()))));
        }
        for (int l = 0; l < weights.layers.size(); l++) {
            boolean sliding = config.isSliding(l);
            NDArray[] cs = sliding ? rotLocal : rot;
            // Each layer's intermediates are freed when it ends: the caller's scope would otherwise hold every layer's
            // activations at once (about 1.6 GB for 9 layers of a 0.5B model at 1,000 tokens), not one layer's.
            NDArray next;
            try (NDScope ignored = new NDScope()) {
                next = layer(weights.layers.get(l), x, cs[0], cs[1], sliding ? slidingBias : fullBias, b, t, s,
                        pastKv == null ? null : pastKv[2 * l], pastKv == null ? null : pastKv[2 * l + 1],
                        newKv, 2 * l, keysOnly && l == weights.layers.size() - 1);
                if (next != null) {
                    NDScope.unregister(next);
                }
                if (newKv != null) {
                    NDScope.unregister(newKv[2 * l]);
                    NDScope.unregister(newKv[2 * l + 1]);
                }
            }
            if (next == null) {
                return null; // keysOnly: the last layer's keys and values are in newKv
            }
            if (l > 0 || config.architecture().gemma()) {
                x.close(); // the previous layer's output (or the scaled embeddings), which no scope owns
            }
            x = next;
            if (afterLayer != null) {
                afterLayer.run();
            }
        }
        NDArray out = rmsNorm(x, weights.finalNorm);
        if (!weights.layers.isEmpty()) {
            x.close();
        }
        return out;
    }

    /**
     * Rotary embedding (Su et al. 2021) in Hugging Face's rotate-half layout: angle = pos * invFreq, duplicated;
     * returns {cos, sin} [B, 1, T, D] in the compute type.
     */
    private NDArray[] rotary(NDManager fm, NDArray pos, float[] inv, int b, int t, int d) {
        NDArray angles = pos.mul(fm.create(inv, new Shape(1, 1, d / 2)));
        NDArray emb = angles.concat(angles, -1).reshape(b, 1, t, d);
        return new NDArray[] {compute(emb.cos()), compute(emb.sin())};
    }

    /**
     * One decoder layer on x [B, T, H]; returns the new residual stream [B, T, H], or null with {@code keysOnly} once
     * this layer's keys and values are in {@code newKv}.
     */
    private NDArray layer(Weights.Layer w, NDArray x, NDArray cos, NDArray sin, NDArray biasNd, int b, int t, int s,
                          NDArray pastK, NDArray pastV, NDArray[] newKv, int kvSlot, boolean keysOnly) {
        int nh = config.numHeads();
        int kvh = config.numKvHeads();
        int g = config.groupSize();
        int d = config.headDim();
        float qScale = (float) config.attentionScale();
        NDArray h = rmsNorm(x, w.inputNorm());
        NDArray q = linear(h, w.qT(), w.qBias()).reshape(b, t, nh, d);
        NDArray k = linear(h, w.kT(), w.kBias()).reshape(b, t, kvh, d);
        if (w.qNorm() != null) {
            // Qwen3 and Gemma 3: RMSNorm over each head's D features, before the rotation.
            q = rmsNorm(q, w.qNorm());
            k = rmsNorm(k, w.kNorm());
        }
        q = q.transpose(0, 2, 1, 3);
        k = k.transpose(0, 2, 1, 3);
        NDArray v = linear(h, w.vT(), w.vBias()).reshape(b, t, kvh, d).transpose(0, 2, 1, 3);
        q = rope(q, cos, sin, d).mul(qScale);
        k = rope(k, cos, sin, d);
        if (pastK != null) {
            k = pastK.concat(k, 2);
            v = pastV.concat(v, 2);
        }
        if (newKv != null) {
            newKv[kvSlot] = k;
            newKv[kvSlot + 1] = v;
            if (keysOnly) {
                return null;
            }
        }
        // Grouped-query attention without repeating K/V: query head h uses kv head h / G, so the G heads of one
        // group are stacked along the query axis: [B, KV, G*T, D] x [B, KV, D, S].
        // Gemma 2 caps the scaled scores (c * tanh(score / c)) before the mask is added.
        NDArray scores = softcap(float32(q.reshape(b, kvh, g * t, d).matMul(k.transpose(0, 1, 3, 2))),
                config.variant().attnLogitSoftcap()).reshape(b, kvh, g, t, s).add(biasNd);
        NDArray attn = compute(scores.softmax(-1)).reshape(b, kvh, g * t, s).matMul(v)   // [B, KV, G*T, D]
                .reshape(b, nh, t, d).transpose(0, 2, 1, 3).reshape(b, t, nh * d);
        NDArray attnOut = linear(attn, w.oT(), w.oBias());
        if (w.attnOutNorm() != null) {
            attnOut = rmsNorm(attnOut, w.attnOutNorm());
        }
        x = residual(x, attnOut, w.scale());
        h = rmsNorm(x, w.mlpNorm());
        NDArray gate = h.matMul(w.gateT());
        NDArray act = config.architecture().gemma() ? geluTanh(gate) : gate.mul(Activation.sigmoid(gate));
        NDArray mlp = act.mul(h.matMul(w.upT())).matMul(w.downT());
        if (w.mlpOutNorm() != null) {
            mlp = rmsNorm(mlp, w.mlpOutNorm());
        }
        return residual(x, mlp, w.scale());
    }

    /**
     * GELU with the tanh approximation (Hendrycks and Gimpel 2016, eq. in section 2; PyTorch's
     * gelu(approximate="tanh")): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
     */
    private static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    private static NDArray residual(NDArray x, NDArray delta, float scale) {
        return x.add(scale == 1f ? delta : delta.mul(scale));
    }

    private static NDArray linear(NDArray x, NDArray wT, NDArray bias) {
        NDArray y = x.matMul(wT);
        return bias == null ? y : y.add(bias);
    }

    /**
     * RMSNorm (Zhang and Sennrich 2019): x / sqrt(mean(x^2) + eps) * w over the last axis. In float16 the statistics
     * run in float32 and the normalized x is cast back before the weight, as Hugging Face's LlamaRMSNorm does (x^2
     * overflows at 256). Gemma's weights are stored as offsets: it multiplies by (1 + w), in float32, and casts last.
     */
    private NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray xf = float32(x);
        NDArray rms = xf.square().mean(new int[] {-1}, true).add((float) config.rmsNormEps()).sqrt();
        if (config.architecture().gemma()) {
            return compute(xf.div(rms).mul(float32(w).add(1f)));
        }
        return compute(xf.div(rms)).mul(w);
    }

    /** x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1] for halves x1, x2 of the head dim. */
    private static NDArray rope(NDArray x, NDArray cos, NDArray sin, int d) {
        int half = d / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Rotary inverse frequencies theta^(-2i/D), i < D/2, with Llama 3's rope_scaling when configured: wavelengths
     * longer than original_max / low_freq_factor are divided by factor, shorter than original_max / high_freq_factor
     * kept, and those between interpolated linearly in original_max / wavelength.
     */
    static float[] inverseFrequencies(ModelConfig c) {
        int half = c.headDim() / 2;
        float[] inv = new float[half];
        ModelConfig.RopeScaling rs = c.ropeScaling();
        double linear = c.variant().ropeLinearFactor();
        for (int i = 0; i < half; i++) {
            float f = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim()));
            if (linear != 1) {
                f = (float) (f / linear); // rope_scaling type "linear": positions divided by the factor
            }
            if (rs != null) {
                double old = rs.originalMaxPositionEmbeddings();
                double wavelen = 2 * Math.PI / f;
                if (wavelen > old / rs.lowFreqFactor()) {
                    f = (float) (f / rs.factor());
                } else if (wavelen >= old / rs.highFreqFactor()) {
                    double smooth = (old / wavelen - rs.lowFreqFactor()) / (rs.highFreqFactor() - rs.lowFreqFactor());
                    f = (float) ((1 - smooth) * f / rs.factor() + smooth * f);
                }
            }
            inv[i] = f;
        }
        return inv;
    }

    /**
     * Gemma 3's sliding-window layers rotate with their own base (rope_local_base_freq) and no scaling; every other
     * config returns {@link #invFreq}'s values for them (the same array, so one rotation is computed).
     */
    private float[] localInverseFrequencies(ModelConfig c) {
        double local = c.variant().ropeLocalTheta();
        if (local == 0) {
            return invFreq;
        }
        float[] inv = new float[c.headDim() / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(local, (2.0 * i) / c.headDim()));
        }
        return inv;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Generation

    /** Decides after each new token whether a row is finished, given all tokens it generated so far. */
    @FunctionalInterface
    public interface StopCondition {
        boolean isDone(int row, int[] generated);
    }

    /**
     * Greedy continuation of each prompt (token ids), up to {@code maxNewTokens} or until {@code stop} says done
     * (the finishing token is included). Prompts are left-padded into batches; with {@code useKvCache} each step feeds
     * one token per row, otherwise the whole sequence is recomputed (the reference for tests).
     */
    public List<int[]> generateTokens(List<int[]> prompts, int maxNewTokens, StopCondition stop, boolean useKvCache) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, but was " + maxNewTokens);
        }
        for (int[] p : prompts) {
            if (p.length == 0) {
                throw new IllegalArgumentException("a prompt needs at least one token");
            }
            checkIds(p);
        }
        int[][] out = new int[prompts.size()][];
        for (int[] batch : batches(prompts, maxNewTokens)) {
            List<int[]> ps = new ArrayList<>();
            for (int i : batch) {
                ps.add(prompts.get(i));
            }
            List<int[]> gen = generateBatch(ps, batch, maxNewTokens, stop, useKvCache);
            for (int k = 0; k < batch.length; k++) {
                out[batch[k]] = gen.get(k);
            }
        }
        return Arrays.asList(out);
    }

    private List<int[]> generateBatch(List<int[]> prompts, int[] rowIds, int maxNew, StopCondition stop,
                                      boolean useKvCache) {
        int b = prompts.size();
        int t0 = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        int cap = t0 + maxNew;
        // Left padding: row i's tokens sit in slots pad_i..; padding slots are invalid keys at position 0.
        long[][] slotIds = new long[b][cap];
        long[][] slotPos = new long[b][cap];
        boolean[][] slotValid = new boolean[b][cap];
        int[] generated = new int[b];
        int[][] outTokens = new int[b][maxNew];
        boolean[] done = new boolean[b];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int pad = t0 - p.length;
            for (int j = 0; j < p.length; j++) {
                slotIds[i][pad + j] = p[j];
                slotPos[i][pad + j] = j;
                slotValid[i][pad + j] = true;
            }
        }
        int filled = t0;
        int fed = 0;
        NDArray[] cache = null;
        try (NDManager gm = manager.newSubManager()) {
            for (int step = 0; step < maxNew; step++) {
                int from = useKvCache ? fed : 0;
                int t = filled - from;
                long[] ids = new long[b * t];
                long[] pos = new long[b * t];
                long[][] keyPos = new long[b][];
                boolean[][] keyValid = new boolean[b][];
                for (int i = 0; i < b; i++) {
                    for (int q = 0; q < t; q++) {
                        ids[i * t + q] = slotIds[i][from + q];
                        pos[i * t + q] = slotPos[i][from + q];
                    }
                    keyPos[i] = Arrays.copyOf(slotPos[i], filled);
                    keyValid[i] = Arrays.copyOf(slotValid[i], filled);
                }
                Masks bias = attentionBias(b, t, filled, pos, keyPos, keyValid);
                long[] next;
                try (NDScope ignored = new NDScope()) {
                    NDArray[] newCache = useKvCache ? new NDArray[2 * config.numLayers()] : null;
                    NDArray hidden = forward(gm, ids, pos, bias, b, t, filled, cache, newCache, false);
                    next = head(hidden.get(new NDIndex(":, -1, :"))).argMax(-1).toLongArray();
                    if (useKvCache) {
                        NDScope.unregister(newCache);
                        if (cache != null) {
                            for (NDArray a : cache) {
                                a.close();
                            }
                        }
                        cache = newCache;
                    }
                }
                fed = filled;
                boolean allDone = true;
                for (int i = 0; i < b; i++) {
                    if (!done[i]) {
                        outTokens[i][generated[i]++] = (int) next[i];
                        done[i] = stop.isDone(rowIds[i], Arrays.copyOf(outTokens[i], generated[i]));
                    }
                    slotIds[i][filled] = next[i];
                    slotPos[i][filled] = filled == 0 ? 0 : slotPos[i][filled - 1] + 1;
                    slotValid[i][filled] = true;
                    allDone &= done[i];
                }
                filled++;
                if (allDone) {
                    break;
                }
            }
        } finally {
            if (cache != null) {
                for (NDArray a : cache) {
                    a.close();
                }
            }
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(Arrays.copyOf(outTokens[i], generated[i]));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // LanguageModel (lm-evaluation-harness semantics)

    private record Scoring(int[] tokens, int scored) {}

    /**
     * Tokenization follows lm-evaluation-harness's {@code _encode_pair}: trailing whitespace of the context moves to
     * the continuation, context+continuation is encoded whole and split at the context's own token count (so a
     * token spanning the boundary counts as continuation). BOS is prepended when the options say so; an empty
     * context without BOS falls back to EOS as the prefix, as lm-eval does.
     */
    @Override
    public List<LogLikelihood> logLikelihood(List<Continuation> requests) {
        TextTokenizer tok = requireTokenizer();
        List<Scoring> jobs = new ArrayList<>();
        for (Continuation c : requests) {
            String ctx = c.context();
            String cont = c.continuation();
            int trailing = 0;
            while (trailing < ctx.length() && Character.isWhitespace(ctx.charAt(ctx.length() - 1 - trailing))) {
                trailing++;
            }
            if (trailing > 0) {
                cont = ctx.substring(ctx.length() - trailing) + cont;
                ctx = ctx.substring(0, ctx.length() - trailing);
            }
            int[] whole = tok.encode(ctx + cont);
            int ctxLen = Math.min(tok.encode(ctx).length, whole.length);
            int[] prefix = prefix(ctxLen == 0);
            int[] seq = concat(prefix, whole);
            int scored = whole.length - ctxLen;
            jobs.add(truncate(seq, scored));
        }
        return runScoring(jobs);
    }

    /**
     * Rolling windows as lm-eval's {@code get_rolling_token_windows} with context length 1, made disjoint: every text
     * token is scored exactly once, each window with up to max-length tokens of preceding context. Context sharing
     * does not apply: each window restarts at position 0 over different tokens, so no two windows share a prefix's
     * keys/values; only the scored positions (not the context or padding) reach the LM head.
     */
    @Override
    public List<LogLikelihood> rollingLogLikelihood(List<String> texts) {
        TextTokenizer tok = requireTokenizer();
        int maxLen = maxLength();
        List<Scoring> jobs = new ArrayList<>();
        List<int[]> owner = new ArrayList<>();
        for (int r = 0; r < texts.size(); r++) {
            int[] tokens = tok.encode(texts.get(r));
            if (tokens.length == 0) {
                owner.add(new int[] {r, 0});
                continue;
            }
            int[] prefix = prefix(true);
            int start = 0;
            if (prefix.length == 0) {
                start = 1; // no BOS or EOS to condition on: the first token is context only
            }
            int predicted = start;
            int windows = 0;
            while (predicted < tokens.length) {
                int len = Math.min(tokens.length - predicted, maxLen);
                int end = predicted + len;
                int[] seq;
                if (predicted == 0) {
                    seq = concat(prefix, Arrays.copyOfRange(tokens, 0, end));
                } else {
                    seq = Arrays.copyOfRange(tokens, Math.max(0, end - maxLen - 1), end);
                }
                jobs.add(new Scoring(seq, len));
                predicted = end;
                windows++;
            }
            owner.add(new int[] {r, windows});
        }
        List<LogLikelihood> perWindow = runScoring(jobs);
        List<LogLikelihood> out = new ArrayList<>();
        int w = 0;
        for (int[] o : owner) {
            double lp = 0;
            int n = 0;
            boolean greedy = true;
            for (int k = 0; k < o[1]; k++, w++) {
                LogLikelihood ll = perWindow.get(w);
                lp += ll.logProb();
                n += ll.tokens();
                greedy &= ll.greedy();
            }
            out.add(new LogLikelihood(lp, n, greedy));
        }
        return out;
    }

    @Override
    public List<String> generate(List<String> prompts, Generation limits) {
        TextTokenizer tok = requireTokenizer();
        int maxPrompt = Math.max(1, maxLength() - limits.maxNewTokens());
        List<int[]> encoded = new ArrayList<>();
        for (String p : prompts) {
            int[] seq = concat(prefix(true), tok.encode(p));
            if (seq.length == 0) {
                throw new UserError("cannot generate from an empty prompt: the model has no bos_token_id or eos_token_id");
            }
            encoded.add(seq.length > maxPrompt ? Arrays.copyOfRange(seq, seq.length - maxPrompt, seq.length) : seq);
        }
        List<String> stops = limits.stop();
        int eos = config.eosTokenId();
        List<int[]> gen = generateTokens(encoded, limits.maxNewTokens(), (row, tokens) -> {
            if (eos >= 0 && tokens[tokens.length - 1] == eos) {
                return true;
            }
            String text = tok.decode(tokens);
            return stops.stream().anyMatch(text::contains);
        }, true);
        List<String> out = new ArrayList<>();
        for (int[] tokens : gen) {
            int n = tokens.length;
            if (n > 0 && eos >= 0 && tokens[n - 1] == eos) {
                n--;
            }
            String text = tok.decode(Arrays.copyOf(tokens, n));
            int cut = text.length();
            for (String s : stops) {
                int at = s.isEmpty() ? -1 : text.indexOf(s);
                if (at >= 0) {
                    cut = Math.min(cut, at);
                }
            }
            out.add(text.substring(0, cut));
        }
        return out;
    }

    /**
     * Sums each job's scored log-probs. With {@link RuntimeOptions#shareContexts}, jobs whose inputs before the scored
     * part are the same tokens (the choices of one question: same context after lm-eval's split, same truncation) are
     * scored from one computation of that prefix; the rest, one sequence each.
     */
    private List<LogLikelihood> runScoring(List<Scoring> jobs) {
        List<Integer> alone = new ArrayList<>();
        Map<Prefix, List<Integer>> byPrefix = new LinkedHashMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            Scoring job = jobs.get(i);
            if (job.scored() == 0) {
                continue;
            }
            if (!options.shareContexts() || prefixLength(job) == 0) {
                alone.add(i);
            } else {
                byPrefix.computeIfAbsent(new Prefix(Arrays.copyOf(job.tokens(), prefixLength(job))),
                        k -> new ArrayList<>()).add(i);
            }
        }
        List<List<Integer>> shared = new ArrayList<>();
        for (List<Integer> group : byPrefix.values()) {
            if (group.size() == 1) {
                alone.add(group.getFirst());
            } else {
                shared.add(group);
            }
        }
        TokenScores[] scores = new TokenScores[jobs.size()];
        List<TokenScores> single = scoreSequences(alone.stream().map(i -> jobs.get(i).tokens()).toList(),
                alone.stream().mapToInt(i -> jobs.get(i).scored()).toArray());
        for (int k = 0; k < alone.size(); k++) {
            scores[alone.get(k)] = single.get(k);
        }
        for (List<int[]> batch : sharedBatches(jobs, shared)) {
            TokenScores[] got = scoreSharedBatch(jobs, batch);
            for (int k = 0; k < batch.size(); k++) {
                scores[batch.get(k)[1]] = got[k];
            }
        }
        List<LogLikelihood> out = new ArrayList<>();
        for (TokenScores s : scores) {
            double lp = 0;
            boolean greedy = true;
            int n = s == null ? 0 : s.logProbs().length;
            for (int p = 0; p < n; p++) {
                lp += s.logProbs()[p];
                greedy &= s.greedy()[p];
            }
            out.add(new LogLikelihood(lp, n, greedy));
        }
        return out;
    }

    /** Token ids compared by value, as a map key. */
    private record Prefix(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Prefix p && Arrays.equals(ids, p.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    /**
     * Tokens a job shares with its group: all but the scored tokens and the last context token, which is fed with
     * the job's own tokens so that its hidden state (which predicts the first scored token) comes from the job's pass.
     */
    private static int prefixLength(Scoring job) {
        return job.tokens().length - job.scored() - 1;
    }

    /**
     * Packs groups into forward passes under the batch limits (rows x (longest prefix + longest suffix) padded
     * tokens), longest prefix first; a group too large for one pass is split and its prefix computed once per pass.
     * Each entry is {group, job}.
     */
    private List<List<int[]>> sharedBatches(List<Scoring> jobs, List<List<Integer>> groups) {
        Integer[] order = new Integer[groups.size()];
        for (int g = 0; g < order.length; g++) {
            order[g] = g;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer g) -> -prefixLength(jobs.get(groups.get(g).getFirst()))));
        List<List<int[]>> out = new ArrayList<>();
        List<int[]> batch = new ArrayList<>();
        int longestPrefix = 0;
        int longestSuffix = 0;
        for (int g : order) {
            for (int job : groups.get(g)) {
                int prefix = Math.max(longestPrefix, prefixLength(jobs.get(job)));
                int suffix = Math.max(longestSuffix, jobs.get(job).scored());
                if (!batch.isEmpty() && (batch.size() + 1 > options.maxBatchSize()
                        || (long) (batch.size() + 1) * (prefix + suffix) > options.maxBatchTokens())) {
                    out.add(batch);
                    batch = new ArrayList<>();
                    prefix = prefixLength(jobs.get(job));
                    suffix = jobs.get(job).scored();
                }
                batch.add(new int[] {g, job});
                longestPrefix = prefix;
                longestSuffix = suffix;
            }
        }
        if (!batch.isEmpty()) {
            out.add(batch);
        }
        return out;
    }

    /**
     * Scores jobs ({group, job} pairs) whose groups share a token prefix. One right-padded pass over the distinct
     * prefixes P_g (length L_g, positions 0..L_g-1) keeps their keys/values [G, KV, Lp, D]; each row then feeds only
     * the job's last context token and its scored tokens but the last (positions L_g..), attending to its group's
     * prefix keys (gathered per row, padding keys masked) and causally to its own. That is the same causal attention
     * as over the whole sequence, position for position (rotary angles, sliding window), so the scores equal
     * {@link #scoreBatch}'s up to float rounding.
     */
    private TokenScores[] scoreSharedBatch(List<Scoring> jobs, List<int[]> batch) {
        List<Integer> groups = new ArrayList<>();
        List<int[]> prefixes = new ArrayList<>();
        int rows = batch.size();
        long[] rowGroup = new long[rows];
        int[] scored = new int[rows];
        int t = 0;
        for (int r = 0; r < rows; r++) {
            Scoring job = jobs.get(batch.get(r)[1]);
            int g = groups.indexOf(batch.get(r)[0]);
            if (g < 0) {
                g = groups.size();
                groups.add(batch.get(r)[0]);
                prefixes.add(Arrays.copyOf(job.tokens(), prefixLength(job)));
            }
            rowGroup[r] = g;
            scored[r] = job.scored();
            t = Math.max(t, scored[r]);
        }
        int lp = prefixes.stream().mapToInt(p -> p.length).max().orElseThrow();
        int s = lp + t;
        long[] ids = new long[rows * t];
        long[] pos = new long[rows * t];
        long[][] keyPos = new long[rows][s];
        boolean[][] keyValid = new boolean[rows][s];
        long[] rowIndex = new long[Arrays.stream(scored).sum()];
        long[] targets = new long[rowIndex.length];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            int[] seq = jobs.get(batch.get(r)[1]).tokens();
            int from = prefixes.get((int) rowGroup[r]).length;
            for (int j = 0; j < lp; j++) {
                keyPos[r][j] = j;
                keyValid[r][j] = j < from;
            }
            for (int p = 0; p < t; p++) {
                pos[r * t + p] = from + p;
                keyPos[r][lp + p] = from + p;
                if (p < scored[r]) {
                    ids[r * t + p] = seq[from + p];
                    keyValid[r][lp + p] = true;
                    rowIndex[k] = (long) r * t + p;
                    targets[k++] = seq[from + p + 1];
                }
            }
        }
        Masks bias = attentionBias(rows, t, s, pos, keyPos, keyValid);
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray[] past = new NDArray[2 * config.numLayers()];
            forwardRightPadded(fm, prefixes, lp, past);
            if (prefixes.size() < rows) {
                NDArray pick = fm.create(rowGroup);
                for (int i = 0; i < past.length; i++) {
                    past[i] = past[i].get(pick);                                   // [R, KV, Lp, D]
                }
            }
            NDArray hidden = forward(fm, ids, pos, bias, rows, t, s, past, null, false);
            return split(scoreRows(fm, hidden, rowIndex, targets), scored);
        }
    }

    /** Keeps the last max-length + 1 tokens (the last one is only a target), as lm-eval truncates. */
    private Scoring truncate(int[] seq, int scored) {
        int keep = maxLength() + 1;
        if (seq.length > keep) {
            seq = Arrays.copyOfRange(seq, seq.length - keep, seq.length);
        }
        return new Scoring(seq, Math.min(scored, seq.length - 1));
    }

    private int[] prefix(boolean needed) {
        if (options.prependBos() && config.bosTokenId() >= 0) {
            return new int[] {config.bosTokenId()};
        }
        if (needed && config.eosTokenId() >= 0) {
            return new int[] {config.eosTokenId()};
        }
        if (needed && config.bosTokenId() >= 0) {
            return new int[] {config.bosTokenId()};
        }
        return new int[0];
    }

    private int maxLength() {
        return options.maxSequenceLength() > 0 ? options.maxSequenceLength() : config.maxPositionEmbeddings();
    }

    private TextTokenizer requireTokenizer() {
        if (tokenizer == null) {
            throw new UserError("the model has no tokenizer.json, which scoring text needs (merge with"
                    + " tokenizer_source: base, or copy the base model's tokenizer files)");
        }
        return tokenizer;
    }

    private void checkIds(int[] s) {
        for (int id : s) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new UserError((tokenizer == null ? "" : tokenizer.file() + ": ") + "token id " + id
                        + " is outside the model's vocabulary [0, " + config.vocabSize() + ") of config.json"
                        + (tokenizer == null ? "" : "; the tokenizer does not belong to this model"));
            }
        }
    }

    /** Groups sequences, longest first, under the batch size and padded-token limits; returns original indices. */
    private List<int[]> batches(List<int[]> seqs, int extra) {
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -seqs.get(i).length));
        List<int[]> out = new ArrayList<>();
        int i = 0;
        while (i < order.length) {
            int longest = seqs.get(order[i]).length + extra;
            int n = 1;
            while (i + n < order.length && n < options.maxBatchSize()
                    && (long) (n + 1) * longest <= options.maxBatchTokens()) {
                n++;
            }
            int[] batch = new int[n];
            for (int k = 0; k < n; k++) {
                batch[k] = order[i + k];
            }
            out.add(batch);
            i += n;
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public void close() {
        releaseWeights();
        manager.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + c, e);
            }
        }
    }
}
