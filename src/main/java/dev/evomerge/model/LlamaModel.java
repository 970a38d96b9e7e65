package dev.evomerge.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
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
import java.util.List;
import java.util.Objects;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2) on DJL's PyTorch engine, in float32.
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
    private final float[] invFreq;
    private Weights weights;

    private LlamaModel(ModelConfig sourceConfig, List<? extends TensorSource> sources, LayerPath path,
                       TextTokenizer tokenizer, RuntimeOptions options, List<AutoCloseable> owned) {
        this.sourceConfig = Objects.requireNonNull(sourceConfig, "config");
        this.config = sourceConfig.withNumLayers(path.size());
        this.options = Objects.requireNonNull(options, "options");
        this.tokenizer = tokenizer;
        this.owned = List.copyOf(owned);
        Engine engine = Engine.getEngine("PyTorch");
        if (options.intraOpThreads() > 0) {
            JniUtils.setNumThreads(options.intraOpThreads());
        }
        Device device = engine.defaultDevice();
        this.manager = engine.newBaseManager(device);
        this.invFreq = inverseFrequencies(config);
        try {
            this.weights = Weights.load(manager, sourceConfig, sources, path);
        } catch (RuntimeException e) {
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
        Weights next = Weights.load(manager, sourceConfig, sources, path);
        Weights old = weights;
        weights = next;
        old.close();
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
        TokenScores[] out = new TokenScores[sequences.size()];
        for (int[] batch : batches(sequences, 1)) {
            List<int[]> seqs = new ArrayList<>();
            for (int i : batch) {
                seqs.add(sequences.get(i));
            }
            TokenScores[] scored = scoreBatch(seqs);
            for (int k = 0; k < batch.length; k++) {
                out[batch[k]] = scored[k];
            }
        }
        return Arrays.asList(out);
    }

    /** Raw logits [T][V] of one batch of sequences (right-padded together); for tests and tools. */
    public float[][][] logits(List<int[]> sequences) {
        sequences.forEach(this::checkIds);
        int b = sequences.size();
        int t = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        int v = config.vocabSize();
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray hidden = forwardRightPadded(fm, sequences, t);
            float[] flat = hidden.matMul(weights.lmHeadT).toFloatArray();
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

    private TokenScores[] scoreBatch(List<int[]> seqs) {
        int b = seqs.size();
        int t = 0;
        for (int[] s : seqs) {
            t = Math.max(t, s.length - 1);
        }
        long[] targets = new long[b * t];
        for (int i = 0; i < b; i++) {
            int[] s = seqs.get(i);
            for (int p = 0; p + 1 < s.length; p++) {
                targets[i * t + p] = s[p + 1];
            }
        }
        List<int[]> inputs = seqs.stream().map(s -> Arrays.copyOf(s, s.length - 1)).toList();
        float[] logp = new float[b * t];
        long[] argmax = new long[b * t];
        try (NDScope ignored = new NDScope(); NDManager fm = manager.newSubManager()) {
            NDArray hidden = forwardRightPadded(fm, inputs, t);
            NDArray targetNd = fm.create(targets, new Shape(b, t, 1));
            int rows = (int) Math.max(1, Math.min(b, LOGIT_CHUNK / ((long) t * config.vocabSize())));
            for (int r0 = 0; r0 < b; r0 += rows) {
                int r1 = Math.min(b, r0 + rows);
                NDIndex rowsIdx = new NDIndex("{}:{}", r0, r1);
                NDArray logits = hidden.get(rowsIdx).matMul(weights.lmHeadT);      // [b', T, V]
                float[] lp = logits.logSoftmax(-1).gather(targetNd.get(rowsIdx), 2).toFloatArray();
                long[] am = logits.argMax(2).toLongArray();
                System.arraycopy(lp, 0, logp, r0 * t, lp.length);
                System.arraycopy(am, 0, argmax, r0 * t, am.length);
            }
        }
        TokenScores[] out = new TokenScores[b];
        for (int i = 0; i < b; i++) {
            int n = seqs.get(i).length - 1;
            float[] l = Arrays.copyOfRange(logp, i * t, i * t + n);
            boolean[] g = new boolean[n];
            for (int p = 0; p < n; p++) {
                g[p] = argmax[i * t + p] == targets[i * t + p];
            }
            out[i] = new TokenScores(l, g);
        }
        return out;
    }

    /** Final-norm hidden states [B, T, H] of right-padded sequences (positions 0.., causal, padding keys masked). */
    private NDArray forwardRightPadded(NDManager fm, List<int[]> seqs, int t) {
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
        float[] bias = attentionBias(b, t, t, pos, keyPos, valid);
        return forward(fm, ids, pos, bias, b, t, t, null, null);
    }

    /**
     * bias[b, i, j] = 0 where key j may be seen by query i (valid, not in the future, inside Mistral's sliding window),
     * else {@link #MASKED}. Layout [B, 1, 1, T, S] flattened.
     */
    private float[] attentionBias(int b, int t, int s, long[] queryPos, long[][] keyPos, boolean[][] keyValid) {
        float[] bias = new float[b * t * s];
        int window = config.slidingWindow();
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
     * layer's full keys/values [B, KV, S, D] are put there (the caller owns them). Returns [B, T, H] after final norm.
     */
    private NDArray forward(NDManager fm, long[] ids, long[] positions, float[] bias, int b, int t, int s,
                            NDArray[] pastKv, NDArray[] newKv) {
        int nh = config.numHeads();
        int kvh = config.numKvHeads();
        int g = config.groupSize();
        int d = config.headDim();
        NDArray idsNd = fm.create(ids, new Shape(b, t));
        float[] posF = new float[positions.length];
        for (int i = 0; i < posF.length; i++) {
            posF[i] = positions[i];
        }
        // Rotary embedding (Su et al. 2021) in Hugging Face's rotate-half layout: angle = pos * invFreq, duplicated.
        NDArray angles = fm.create(posF, new Shape(b, t, 1)).mul(fm.create(invFreq, new Shape(1, 1, d / 2)));
        NDArray emb = angles.concat(angles, -1).reshape(b, 1, t, d);
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        NDArray biasNd = fm.create(bias, new Shape(b, 1, 1, t, s));
        float qScale = (float) (1.0 / Math.sqrt(d));

        NDArray x = idsNd.getNDArrayInternal().embedding(idsNd, weights.embed, SparseFormat.DENSE).singletonOrThrow();
        for (int l = 0; l < weights.layers.size(); l++) {
            Weights.Layer w = weights.layers.get(l);
            NDArray h = rmsNorm(x, w.inputNorm());
            NDArray q = linear(h, w.qT(), w.qBias()).reshape(b, t, nh, d).transpose(0, 2, 1, 3);
            NDArray k = linear(h, w.kT(), w.kBias()).reshape(b, t, kvh, d).transpose(0, 2, 1, 3);
            NDArray v = linear(h, w.vT(), w.vBias()).reshape(b, t, kvh, d).transpose(0, 2, 1, 3);
            q = rope(q, cos, sin, d).mul(qScale);
            k = rope(k, cos, sin, d);
            if (pastKv != null) {
                k = pastKv[2 * l].concat(k, 2);
                v = pastKv[2 * l + 1].concat(v, 2);
            }
            if (newKv != null) {
                newKv[2 * l] = k;
                newKv[2 * l + 1] = v;
            }
            // Grouped-query attention without repeating K/V: query head h uses kv head h / G, so the G heads of one
            // group are stacked along the query axis: [B, KV, G*T, D] x [B, KV, D, S].
            NDArray scores = q.reshape(b, kvh, g * t, d).matMul(k.transpose(0, 1, 3, 2))
                    .reshape(b, kvh, g, t, s).add(biasNd);
            NDArray attn = scores.softmax(-1).reshape(b, kvh, g * t, s).matMul(v)   // [B, KV, G*T, D]
                    .reshape(b, nh, t, d).transpose(0, 2, 1, 3).reshape(b, t, nh * d);
            x = residual(x, attn.matMul(w.oT()), w.scale());
            h = rmsNorm(x, w.postNorm());
            NDArray gate = h.matMul(w.gateT());
            NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(h.matMul(w.upT())).matMul(w.downT());
            x = residual(x, mlp, w.scale());
        }
        return rmsNorm(x, weights.finalNorm);
    }

    private static NDArray residual(NDArray x, NDArray delta, float scale) {
        return x.add(scale == 1f ? delta : delta.mul(scale));
    }

    private static NDArray linear(NDArray x, NDArray wT, NDArray bias) {
        NDArray y = x.matMul(wT);
        return bias == null ? y : y.add(bias);
    }

    /** RMSNorm (Zhang and Sennrich 2019): x / sqrt(mean(x^2) + eps) * w. */
    private NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add((float) config.rmsNormEps()).sqrt();
        return x.div(rms).mul(w);
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
        for (int i = 0; i < half; i++) {
            float f = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim()));
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
                float[] bias = attentionBias(b, t, filled, pos, keyPos, keyValid);
                long[] next;
                try (NDScope ignored = new NDScope()) {
                    NDArray[] newCache = useKvCache ? new NDArray[2 * config.numLayers()] : null;
                    NDArray hidden = forward(gm, ids, pos, bias, b, t, filled, cache, newCache);
                    next = hidden.get(new NDIndex(":, -1, :")).matMul(weights.lmHeadT).argMax(-1).toLongArray();
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
     * token is scored exactly once, each window with up to max-length tokens of preceding context.
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

    private List<LogLikelihood> runScoring(List<Scoring> jobs) {
        List<int[]> seqs = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).scored() > 0) {
                seqs.add(jobs.get(i).tokens());
                index.add(i);
            }
        }
        List<TokenScores> scores = scoreTokens(seqs);
        LogLikelihood[] out = new LogLikelihood[jobs.size()];
        Arrays.fill(out, new LogLikelihood(0, 0, true));
        for (int k = 0; k < seqs.size(); k++) {
            TokenScores s = scores.get(k);
            int n = jobs.get(index.get(k)).scored();
            double lp = 0;
            boolean greedy = true;
            for (int p = s.logProbs().length - n; p < s.logProbs().length; p++) {
                lp += s.logProbs()[p];
                greedy &= s.greedy()[p];
            }
            out[index.get(k)] = new LogLikelihood(lp, n, greedy);
        }
        return Arrays.asList(out);
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
        weights.close();
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
