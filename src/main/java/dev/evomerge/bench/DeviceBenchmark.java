package dev.evomerge.bench;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One checkpoint scored on the CPU in float32 (the reference) and on a chosen device and precision: tokens/s of
 * each, and how far the device's logits are from the CPU's, as a fraction of the largest CPU logit.
 */
public final class DeviceBenchmark {
    /** Largest |device - CPU| logit allowed, as a fraction of the largest |CPU logit| (float16's error, measured). */
    public static final double BOUND = 1e-2;

    /** Sequences per forward pass, tokens per sequence, timed passes per device, seed of the token sequences. */
    public record Settings(int batch, int seqLen, int iterations, long seed) {
        public Settings {
            if (batch < 1 || seqLen < 1 || iterations < 1) {
                throw new IllegalArgumentException("batch, sequence length and iterations must be at least 1, but "
                        + "were " + batch + ", " + seqLen + " and " + iterations);
            }
        }
    }

    /** Where and in what it ran, logits of the first two sequences, and scoring tokens/s. */
    record Run(String name, float[][][] logits, double tokensPerSecond) {}

    /** Both runs and their logit comparison over {@code rows} positions. */
    public record Report(Path model, Settings settings, Run cpu, Run device, long rows, double worst, double scale,
                         long agree) {
        public double relative() {
            return scale == 0 ? worst : worst / scale;
        }

        public boolean pass() {
            return relative() <= BOUND;
        }

        public List<String> lines() {
            return List.of(
                    String.format(Locale.ROOT, "bench device: %s, batch %d x %d tokens, %d iterations", model,
                            settings.batch(), settings.seqLen(), settings.iterations()),
                    String.format(Locale.ROOT, "%-16s %12.0f tokens/s", cpu.name(), cpu.tokensPerSecond()),
                    String.format(Locale.ROOT, "%-16s %12.0f tokens/s  (%.2fx the CPU)", device.name(),
                            device.tokensPerSecond(), device.tokensPerSecond() / cpu.tokensPerSecond()),
                    String.format(Locale.ROOT, "logits of %d positions: max |(%s) - (%s)| %.3g, max |logit| %.3g: "
                                    + "%.3g of it (bound %.2g); argmax agrees at %.1f%%: %s", rows, device.name(),
                            cpu.name(), worst, scale, relative(), BOUND, 100.0 * agree / rows,
                            pass() ? "PASS" : "FAIL"));
        }
    }

    private DeviceBenchmark() {
    }

    /** Scores {@code model} on the CPU in float32 and as {@code onDevice} says, and compares their logits. */
    public static Report run(Path model, RuntimeOptions onDevice, Settings s) {
        Run cpu = score(model, onDevice.withDevice(ComputeDevice.CPU), s);
        Run dev = score(model, onDevice, s);
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
        return new Report(model, s, cpu, dev, rows, worst, scale, agree);
    }

    private static Run score(Path dir, RuntimeOptions options, Settings s) {
        try (LlamaModel m = LlamaModel.load(dir, options)) {
            SplittableRandom rnd = new SplittableRandom(s.seed());
            List<int[]> seqs = new ArrayList<>();
            for (int i = 0; i < s.batch(); i++) {
                seqs.add(rnd.ints(s.seqLen() + 1, 0, m.config().vocabSize()).toArray());
            }
            float[][][] logits = m.logits(seqs.subList(0, Math.min(2, s.batch())));
            m.scoreTokens(seqs);
            long t0 = System.nanoTime();
            for (int i = 0; i < s.iterations(); i++) {
                m.scoreTokens(seqs);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Run(options.device() + " " + m.precision(), logits,
                    (double) s.batch() * s.seqLen() * s.iterations() / seconds);
        }
    }

    /** The synthetic base model of {@code bench merge}'s shape with {@code layers} layers, generated once under dir. */
    public static Path synthetic(Path dir, int layers, Consumer<String> log) {
        Path m = dir.resolve("device-l" + layers);
        if (!Files.isRegularFile(m.resolve("config.json"))) {
            log.accept("generating " + m + " ...");
            SyntheticCheckpoints.Model.base(MergeBenchmark.dims(layers), DType.BF16, 2024)
                    .write(m, Long.MAX_VALUE, Runtime.getRuntime().availableProcessors());
        }
        return m;
    }
}
