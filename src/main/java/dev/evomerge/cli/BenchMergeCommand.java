package dev.evomerge.cli;

import dev.evomerge.bench.MergeBenchmark;
import dev.evomerge.merge.methods.MergeMethods;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomerge bench merge}: merge GB/s per method against a plain copy measured in the same run. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge throughput per method on synthetic ~1 GB BF16 Llama-shaped models (base + fine-tunes),"
                + " as a ratio to a plain copy of the same bytes measured in the same run.")
final class BenchMergeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}/evomerge-bench",
            description = "where the synthetic models are generated and kept between runs (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--layers", defaultValue = "9", description = "decoder layers per model (9 ~ 1.07 GB in BF16)")
    int layers;

    @Option(names = "--fine-tunes", defaultValue = "3", description = "fine-tuned models besides the base")
    int fineTunes;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Option(names = "--repeats", defaultValue = "2", description = "in-memory runs per method (best is kept)")
    int repeats;

    @Option(names = "--methods", split = ",", description = "methods to run (default: every merge method)")
    List<String> methods;

    @Override
    public Integer call() throws Exception {
        threadsOption.check(spec);
        if (layers < 1 || fineTunes < 2 || repeats < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--layers and --repeats must be at least 1 and --fine-tunes at least 2");
        }
        Files.createDirectories(dir);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int n = threadsOption.resolved();
        MergeBenchmark.Report report = MergeBenchmark.run(
                new MergeBenchmark.Options(dir, layers, fineTunes, n,
                        methods == null ? MergeMethods.names() : methods, repeats), line -> {
                    err.println(line);
                    err.flush();
                });
        out.println("evomerge bench merge — " + java.time.LocalDate.now() + ", " + report.machine() + ", " + n
                + " threads");
        out.println(MergeBenchmark.markdown(report));
        return 0;
    }
}
