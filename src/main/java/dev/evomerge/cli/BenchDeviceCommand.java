package dev.evomerge.cli;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.bench.MergeBenchmark;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge bench device MODEL_DIR --device cuda}: the same checkpoint scored on the CPU in float32 and on the
 * chosen device and precision: tokens/s of each, and how far the device's logits are from the CPU's.
 */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = {"Scores random token sequences with one checkpoint on the CPU (float32, the reference) and on "
                + "--device/--dtype: tokens/s of each, and the largest logit difference as a fraction of the largest "
                + "CPU logit (bound 0.01). --synthetic L generates a random BF16 Llama of L layers (hidden 2048, "
                + "vocabulary 32000; 9 layers = 0.54B parameters) instead of reading MODEL_DIR."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:logits within the bound", "1:logits differ by more than the bound", "2:usage error",
                "3:bad input (no such model, no usable GPU, ...)", "4:internal error"})
final class BenchDeviceCommand implements Callable<Integer> {
    /** Largest |device - CPU| logit allowed, as a fraction of the largest |CPU logit| (float16's error, measured). */
    static final double BOUND = 1e-2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DeviceOptions device;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL_DIR", description = "Checkpoint to score.")
    Path model;

    @Option(names = "--synthetic", paramLabel = "LAYERS",
            description = "Score a synthetic model of this many layers (generated under --dir once) instead.")
    Integer synthetic;

    @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}/evomerge-bench",
            description = "Where --synthetic models are generated and kept (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--batch", defaultValue = "8",
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--iterations", defaultValue = "3",
            description = "Timed scoring passes per device (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the token sequences (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Override
    public Integer call() {
        threadsOption.check(spec);
        if (batch < 1 || seqLen < 1 || iterations < 1 || (synthetic != null && synthetic < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--batch, --seq-len, --iterations and --synthetic must be at least 1");
        }
        if ((model == null) == (synthetic == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give MODEL_DIR or --synthetic LAYERS");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntimeOptions onDevice = device.runtime(RuntimeOptions.defaults(), err)
                .withBatching(batch, batch * (seqLen + 1)).withIntraOpThreads(threadsOption.resolved());
        Path dir = model != null ? model : synthetic(err);
        RuntimeOptions onCpu = onDevice.withDevice(ComputeDevice.CPU);
        Run cpu = run(dir, onCpu);
        Run dev = run(dir, onDevice);
        out.printf(Locale.ROOT, "bench device: %s, batch %d x %d tokens, %d iterations%n", dir, batch, seqLen,
                iterations);
        out.printf(Locale.ROOT, "%-16s %12.0f tokens/s%n", cpu.name, cpu.tokensPerSecond);
        out.printf(Locale.ROOT, "%-16s %12.0f tokens/s  (%.2fx the CPU)%n", dev.name, dev.tokensPerSecond,
                dev.tokensPerSecond / cpu.tokensPerSecond);
        double worst = 0;
        double scale = 0;
        long agree = 0;
        long rows = 0;
        for (int i = 0; i < cpu.logits.length; i++) {
            for (int t = 0; t < cpu.logits[i].length; t++) {
                float[] a = cpu.logits[i][t];
                float[] b = dev.logits[i][t];
                int argA = 0;
                int argB = 0;
                for (int v = 0; v < a.length; v++) {
                    worst = Math.max(worst, Math.abs(a[v] - b[v]));
                    scale = Math.max(scale, Math.abs(a[v]));
                    argA = a[v] > a[argA] ? v : argA;
                    argB = b[v] > b[argB] ? v : argB;
                }
                agree += argA == argB ? 1 : 0;
                rows++;
            }
        }
        double relative = scale == 0 ? worst : worst / scale;
        boolean pass = relative <= BOUND;
        out.printf(Locale.ROOT, "logits of %d positions: max |(%s) - (%s)| %.3g, max |logit| %.3g: %.3g of it "
                        + "(bound %.2g); argmax agrees at %.1f%%: %s%n", rows, dev.name, cpu.name, worst, scale,
                relative, BOUND, 100.0 * agree / rows, pass ? "PASS" : "FAIL");
        out.flush();
        return pass ? 0 : 1;
    }

    /** Where and in what it ran, logits of the first two sequences, and scoring tokens/s. */
    private record Run(String name, float[][][] logits, double tokensPerSecond) {}

    private Run run(Path dir, RuntimeOptions options) {
        try (LlamaModel m = LlamaModel.load(dir, options)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<int[]> seqs = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                seqs.add(rnd.ints(seqLen + 1, 0, m.config().vocabSize()).toArray());
            }
            float[][][] logits = m.logits(seqs.subList(0, Math.min(2, batch)));
            m.scoreTokens(seqs);
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                m.scoreTokens(seqs);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Run(options.device() + " " + m.precision(), logits,
                    (double) batch * seqLen * iterations / seconds);
        }
    }

    /** The synthetic base model of {@code bench merge}'s shape, generated under --dir unless already there. */
    private Path synthetic(PrintWriter err) {
        Path m = dir.resolve("device-l" + synthetic);
        if (!Files.isRegularFile(m.resolve("config.json"))) {
            err.println("evomerge: generating " + m + " ...");
            err.flush();
            SyntheticCheckpoints.Model.base(MergeBenchmark.dims(synthetic), DType.BF16, 2024)
                    .write(m, Long.MAX_VALUE, Runtime.getRuntime().availableProcessors());
        }
        return m;
    }
}
