package dev.evomerge.cli;

import dev.evomerge.bench.ScaleBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomerge bench scale}: peak RSS per parameter of eval and search, and tokens/s, at two model sizes. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Peak resident memory per parameter of 'eval' and a short 'search' (child processes), and"
                + " scoring tokens/s, on synthetic BF16 Llama-shaped models at two depths (docs/memory.md).")
final class BenchScaleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}/evomerge-bench-scale",
            description = "where the models and fixtures are generated and kept between runs (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--layers", split = ",", defaultValue = "9,18",
            description = "model depths (9: 0.54B parameters, 1.07 GB; 18: 0.94B, 1.9 GB; default ${DEFAULT-VALUE})")
    List<Integer> layers;

    @Option(names = "--budget", defaultValue = "20",
            description = "search candidates (RSS is compared after candidate 3 and the last; default ${DEFAULT-VALUE})")
    int budget;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    /** The benchmark's children: this CLI's eval and search. */
    private static final ScaleBenchmark.Commands CHILDREN = new ScaleBenchmark.Commands() {
        @Override
        public String mainClass() {
            return Main.class.getName();
        }

        @Override
        public List<String> eval(Path model, Path suite) {
            return List.of("eval", model.toString(), "--suite", suite.toString(), "--slice", "search", "--no-cache");
        }

        @Override
        public List<String> search(Path space, Path suite, Path gates, int budget, Path out, String runId,
                                   int threads) {
            return List.of("search", space.toString(), "--suite", suite.toString(), "--gates", gates.toString(),
                    "--strategy", "random", "--budget", String.valueOf(budget), "--out", out.toString(), "--run-id",
                    runId, "--threads", String.valueOf(threads));
        }
    };

    @Override
    public Integer call() throws Exception {
        threadsOption.check(spec);
        if (budget < 4 || layers.stream().anyMatch(l -> l < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--budget must be at least 4 and --layers at least 1");
        }
        Files.createDirectories(dir);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ScaleBenchmark.Report report = ScaleBenchmark.run(new ScaleBenchmark.Options(dir, layers, budget, threadsOption.given(), CHILDREN),
                line -> {
                    err.println(line);
                    err.flush();
                });
        out.println("evomerge bench scale — " + java.time.LocalDate.now() + ", " + report.machine());
        out.println(ScaleBenchmark.markdown(report));
        return 0;
    }
}
