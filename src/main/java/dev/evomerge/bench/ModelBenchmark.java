package dev.evomerge.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.model.LanguageModel.Continuation;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Scoring throughput of the DJL runtime, reported as tokens/s and as model FLOPs utilization against the matmul
 * FLOP/s ceiling of the same engine measured in the same process (a ratio, so it carries across machines).
 */
public final class ModelBenchmark {
    /** The model shapes the benchmark knows, by name. */
    public static final List<String> MODELS = List.of("tiny", "5m", "25m", "100m", "0.5b");

    /**
     * What to measure: random Llamas by name ({@link #MODELS}), forward passes of {@code batch} sequences of
     * {@code seqLen} tokens timed {@code iterations} times, or with {@code multipleChoice} a four-choice task of
     * {@code questions} contexts of {@code contextWords} words; on {@code threads} intra-op threads.
     */
    public record Settings(List<String> models, int batch, int seqLen, int iterations, long seed,
                           boolean multipleChoice, int questions, int contextWords, int threads) {
        public Settings {
            models = List.copyOf(models);
            for (String m : models) {
                if (!MODELS.contains(m.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("unknown model '" + m + "' (allowed: " + String.join(", ",
                            MODELS) + ")");
                }
            }
        }
    }

    private final List<String> models;
    private final int batch;
    private final int seqLen;
    private final int iterations;
    private final long seed;
    private final boolean multipleChoice;
    private final int questions;
    private final int contextWords;
    private final int threads;

    public ModelBenchmark(Settings s) {
        Objects.requireNonNull(s, "settings");
        this.models = s.models();
        this.batch = s.batch();
        this.seqLen = s.seqLen();
        this.iterations = s.iterations();
        this.seed = s.seed();
        this.multipleChoice = s.multipleChoice();
        this.questions = s.questions();
        this.contextWords = s.contextWords();
        this.threads = s.threads();
    }

    /** Runs the benchmark and prints one line per model to {@code out}. */
    public void run(PrintWriter out) {
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        out.printf(Locale.ROOT, "engine: PyTorch %s on %s, %d intra-op threads%n", engine.getVersion(),
                engine.defaultDevice(), threads);
        List<ModelConfig> configs = new ArrayList<>();
        for (String name : models) {
            ObjectNode json = switch (name.toLowerCase(Locale.ROOT)) {
                case "tiny" -> llama(1000, 64, 176, 2, 4, 2);
                case "5m" -> llama(8000, 256, 688, 4, 4, 2);          // around the one-thread crossover
                case "25m" -> llama(16000, 512, 1376, 6, 8, 4);
                case "100m" -> llama(32000, 768, 2048, 12, 12, 4);
                case "0.5b" -> llama(32000, 2048, 5632, 9, 16, 4);    // bench merge's shape, embeddings tied
                default -> throw new IllegalStateException("checked by Settings: " + name);
            };
            configs.add(ModelConfig.fromJson(json));
        }
        if (multipleChoice) {
            for (int i = 0; i < configs.size(); i++) {
                benchMultipleChoice(out, models.get(i), configs.get(i));
            }
            out.flush();
            return;
        }
        // The ceiling is taken before and after the models and the higher kept: on a shared machine a single
        // reading can come out low, which would flatter utilization.
        double before = matmulFlops(engine, 2048, 5);
        List<double[]> runs = new ArrayList<>();
        for (ModelConfig c : configs) {
            runs.add(benchModel(c));
        }
        double after = matmulFlops(engine, 2048, 5);
        double ceiling = Math.max(before, after);
        out.printf(Locale.ROOT, "matmul ceiling (float32 2048^3, best of 5, before/after): %.1f / %.1f GFLOP/s%n",
                before / 1e9, after / 1e9);
        for (int i = 0; i < configs.size(); i++) {
            double[] r = runs.get(i);
            out.printf(Locale.ROOT, "%-5s %6.1fM params  batch %d x %d: %9.0f tokens/s  %7.1f GFLOP/s  MFU %.2f%n",
                    models.get(i), r[0] / 1e6, batch, seqLen, r[1], r[2] / 1e9, r[2] / ceiling);
        }
        out.flush();
    }

    /** Returns {matmul params, tokens/s, achieved model FLOP/s}. */
    private double[] benchModel(ModelConfig c) {
        RuntimeOptions opts = RuntimeOptions.defaults().withIntraOpThreads(threads)
                .withBatching(batch, batch * (seqLen + 1)).withMaxSequenceLength(seqLen);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            seqs.add(rnd.ints(seqLen + 1, 0, c.vocabSize()).toArray());
        }
        try (InMemoryTensors w = randomWeights(c, rnd);
             LlamaModel m = LlamaModel.fromTensors(c, w, null, opts)) {
            long params = matmulParams(c);
            m.scoreTokens(seqs);
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                m.scoreTokens(seqs);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double tokens = (double) batch * seqLen * iterations;
            // Model FLOPs per token (forward, as in PaLM's MFU): 2 per matmul weight, plus causal attention
            // (QK^T and PV over on average T/2 keys): 2 * 2 * (T/2) * heads * headDim per layer.
            double flopsPerToken = 2.0 * params
                    + 2.0 * c.numLayers() * seqLen * c.numHeads() * c.headDim();
            return new double[] {params, tokens / seconds, tokens * flopsPerToken / seconds};
        }
    }

    /**
     * A four-choice task over a word-level tokenizer (one token per word): {@code questions} contexts of
     * {@code contextWords} random words, choices of 1 to 4 words, all sent in one logLikelihood call as the evaluator
     * does. Tokens/s counts the tokens of every request (context + choice), so both rows measure the same work.
     */
    private void benchMultipleChoice(PrintWriter out, String name, ModelConfig c) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Continuation> requests = new ArrayList<>();
        for (int q = 0; q < questions; q++) {
            String context = "Question: " + words(rnd, contextWords, c.vocabSize()) + " Answer:";
            for (int k = 0; k < 4; k++) {
                requests.add(new Continuation(context, " " + words(rnd, 1 + rnd.nextInt(4), c.vocabSize())));
            }
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("evomerge-bench-mc");
            Files.write(dir.resolve("tokenizer.json"), wordTokenizer(c.vocabSize()));
            RuntimeOptions opts = RuntimeOptions.defaults().withIntraOpThreads(threads);
            try (TextTokenizer tok = TextTokenizer.load(dir);
                 InMemoryTensors w = randomWeights(c, rnd);
                 LlamaModel shared = LlamaModel.fromTensors(c, w, tok, opts.withShareContexts(true));
                 LlamaModel perChoice = LlamaModel.fromTensors(c, w, tok, opts.withShareContexts(false))) {
                long tokens = 0;
                for (Continuation r : requests) {
                    tokens += tok.encode(r.context() + r.continuation()).length;
                }
                List<LogLikelihood> a = shared.logLikelihood(requests);
                List<LogLikelihood> b = perChoice.logLikelihood(requests);
                double worst = 0;
                boolean sameGreedy = true;
                for (int i = 0; i < a.size(); i++) {
                    worst = Math.max(worst, Math.abs(a.get(i).logProb() - b.get(i).logProb()));
                    sameGreedy &= a.get(i).greedy() == b.get(i).greedy();
                }
                LlamaModel.ScoringWork w0 = shared.scoringWork();
                LlamaModel.ScoringWork p0 = perChoice.scoringWork();
                double[] seconds = timeScoring(perChoice, shared, requests);
                double perChoiceS = seconds[0];
                double sharedS = seconds[1];
                LlamaModel.ScoringWork w1 = shared.scoringWork();
                LlamaModel.ScoringWork p1 = perChoice.scoringWork();
                out.printf(Locale.ROOT, "%-5s %6.1fM params  %d questions x 4 choices, %d-word contexts, %d request"
                        + " tokens per pass%n", name, matmulParams(c) / 1e6, questions, contextWords, tokens);
                long runs = iterations;
                out.printf(Locale.ROOT, "  per choice: %9.1f tokens/s  (%d decoder token slots, %d LM-head rows"
                        + " per pass)%n", tokens / perChoiceS, (p1.decoderTokens() - p0.decoderTokens()) / runs,
                        (p1.logitRows() - p0.logitRows()) / runs);
                out.printf(Locale.ROOT, "  shared:     %9.1f tokens/s  (%d decoder token slots, %d LM-head rows"
                        + " per pass)%n", tokens / sharedS, (w1.decoderTokens() - w0.decoderTokens()) / runs,
                        (w1.logitRows() - w0.logitRows()) / runs);
                out.printf(Locale.ROOT, "  speed ratio shared / per choice: %.2fx wall, %.2fx calling-thread CPU"
                        + " (%.2f s vs %.2f s per pass); max |log-likelihood difference| %.2e, greedy flags %s%n",
                        perChoiceS / sharedS, seconds[2] / seconds[3], seconds[2], seconds[3], worst,
                        sameGreedy ? "identical" : "DIFFER");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Best-of-{@code iterations} seconds per pass: {per choice wall, shared wall, per choice CPU, shared CPU}, the
     * two alternating so that load from other jobs hits both alike. CPU is the calling thread's CPU time, which with
     * one intra-op thread is all of the engine's work and, unlike wall time, barely moves with other load.
     */
    private double[] timeScoring(LlamaModel perChoice, LlamaModel shared, List<Continuation> requests) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        LlamaModel[] models = {perChoice, shared};
        for (int i = 0; i < iterations; i++) {
            for (int m = 0; m < 2; m++) {
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                models[m].logLikelihood(requests);
                best[m] = Math.min(best[m], (System.nanoTime() - t0) / 1e9);
                best[2 + m] = Math.min(best[2 + m], (cpu.getCurrentThreadCpuTime() - c0) / 1e9);
            }
        }
        return best;
    }

    private static String words(SplittableRandom rnd, int n, int vocab) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append('w').append(rnd.nextInt(1, vocab));
        }
        return sb.toString();
    }

    /** A Hugging Face WordLevel tokenizer.json: whitespace-split words w1..w(vocab-1), id 0 for unknown words. */
    public static byte[] wordTokenizer(int vocab) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode v = model.putObject("vocab");
        v.put("<unk>", 0);
        for (int i = 1; i < vocab; i++) {
            v.put("w" + i, i);
        }
        model.put("unk_token", "<unk>");
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    /** FLOP/s of a float32 n x n by n x n matmul, best of {@code reps} after a warm-up. */
    public static double matmulFlops(Engine engine, int n, int reps) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray a = m.randomNormal(new Shape(n, n), DataType.FLOAT32);
            NDArray b = m.randomNormal(new Shape(n, n), DataType.FLOAT32);
            a.matMul(b).close();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // forces completion on asynchronous devices
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * n * n * n / best;
        }
    }

    /** Weights of every linear layer and the LM head (embedding lookups cost no FLOPs). */
    public static long matmulParams(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long perLayer = h * q * 2 + h * kv * 2 + 3 * h * c.intermediateSize();
        return perLayer * c.numLayers() + h * c.vocabSize();
    }

    private static ObjectNode llama(int vocab, int hidden, int inter, int layers, int heads, int kvHeads) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", vocab);
        n.put("hidden_size", hidden);
        n.put("intermediate_size", inter);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kvHeads);
        n.put("max_position_embeddings", 4096);
        n.put("tie_word_embeddings", true);
        n.put("rope_theta", 10000.0);
        n.put("rms_norm_eps", 1e-5);
        return n;
    }

    /** Uniform weights with std 0.02 (norms 1): throughput does not depend on the values. */
    private static InMemoryTensors randomWeights(ModelConfig c, SplittableRandom rnd) {
        InMemoryTensors t = new InMemoryTensors();
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        fill(t, "model.embed_tokens.weight", rnd, false, c.vocabSize(), h);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            fill(t, p + "input_layernorm.weight", rnd, true, h);
            fill(t, p + "self_attn.q_proj.weight", rnd, false, q, h);
            fill(t, p + "self_attn.k_proj.weight", rnd, false, kv, h);
            fill(t, p + "self_attn.v_proj.weight", rnd, false, kv, h);
            fill(t, p + "self_attn.o_proj.weight", rnd, false, h, q);
            fill(t, p + "post_attention_layernorm.weight", rnd, true, h);
            fill(t, p + "mlp.gate_proj.weight", rnd, false, f, h);
            fill(t, p + "mlp.up_proj.weight", rnd, false, f, h);
            fill(t, p + "mlp.down_proj.weight", rnd, false, h, f);
        }
        fill(t, "model.norm.weight", rnd, true, h);
        return t;
    }

    private static void fill(InMemoryTensors t, String name, SplittableRandom rnd, boolean ones, long... shape) {
        TensorInfo info = new TensorInfo(name, DType.F32, shape);
        MemorySegment seg = t.allocate(info);
        double a = 0.02 * Math.sqrt(3);
        for (long i = 0; i < info.numel(); i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, ones ? 1f : (float) rnd.nextDouble(-a, a));
        }
    }
}
