package dev.evomerge.cli;

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
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Scoring throughput of the DJL runtime, reported as tokens/s and as model FLOPs utilization against the matmul
 * FLOP/s ceiling of the same engine measured in the same process (a ratio, so it carries across machines).
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Scoring throughput (tokens/s) and model FLOPs utilization of the DJL runtime on random Llamas.")
public final class BenchModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--threads", description = "Intra-op threads (default: available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--batch", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = 128;

    @Option(names = "--iterations", description = "Timed forward passes per model (default: ${DEFAULT-VALUE}).")
    int iterations = 3;

    @Option(names = "--models", split = ",",
            description = "Which random models: tiny, 100m (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("tiny", "100m");

    @Option(names = "--seed", description = "Seed for weights and tokens (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        out.printf(Locale.ROOT, "engine: PyTorch %s on %s, %d intra-op threads%n", engine.getVersion(),
                engine.defaultDevice(), threads);
        // The ceiling is taken before and after the models and the higher kept: on a shared machine a single
        // reading can come out low, which would flatter utilization.
        double before = matmulFlops(engine, 2048, 5);
        List<double[]> runs = new ArrayList<>();
        List<ModelConfig> configs = new ArrayList<>();
        for (String name : models) {
            ObjectNode json = switch (name.toLowerCase(Locale.ROOT)) {
                case "tiny" -> llama(1000, 64, 176, 2, 4, 2);
                case "100m" -> llama(32000, 768, 2048, 12, 12, 4);
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--models: unknown model '" + name + "' (allowed: tiny, 100m)");
            };
            configs.add(ModelConfig.fromJson(json));
        }
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
        return 0;
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

    /** FLOP/s of a float32 n x n by n x n matmul, best of {@code reps} after a warm-up. */
    static double matmulFlops(Engine engine, int n, int reps) {
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
    static long matmulParams(ModelConfig c) {
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
