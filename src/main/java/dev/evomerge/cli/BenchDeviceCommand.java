package dev.evomerge.cli;

import dev.evomerge.bench.DeviceBenchmark;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evomerge bench device MODEL_DIR --device cuda}: parses the options of a {@link DeviceBenchmark} and prints
 * its report.
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
        Path dir = model != null ? model : DeviceBenchmark.synthetic(this.dir, synthetic, line -> {
            err.println("evomerge: " + line);
            err.flush();
        });
        DeviceBenchmark.Report r = DeviceBenchmark.run(dir, onDevice,
                new DeviceBenchmark.Settings(batch, seqLen, iterations, seed));
        r.lines().forEach(out::println);
        out.flush();
        return r.pass() ? 0 : 1;
    }
}
