package dev.evomerge.cli;

import dev.evomerge.bench.LoraBenchmark;
import dev.evomerge.bench.MergeBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomerge bench lora}: parses the options of a {@link LoraBenchmark} and prints its lines. */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = {"Reads every tensor of a synthetic BF16 Llama (bench merge's shape) folded with a random LoRA "
                + "adapter on all seven projections, against a plain copy of the same bytes: GB/s wall and per "
                + "CPU-second, and the heap the folded read takes per parameter (run with -Xmx512m to see the "
                + "ceiling)."})
final class BenchLoraCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "${sys:java.io.tmpdir}/evomerge-bench-lora",
            description = "where the base and adapter are generated and kept between runs (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--layers", defaultValue = "9", description = "decoder layers (9 ~ 1.07 GB in BF16; default 9)")
    int layers;

    @Option(names = "--rank", defaultValue = "16", description = "the adapter's rank (default ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--repeats", defaultValue = "3", description = "reads of each kind (default ${DEFAULT-VALUE})")
    int repeats;

    @Override
    public Integer call() throws Exception {
        if (layers < 1 || rank < 1 || repeats < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--layers, --rank and --repeats must be at least 1");
        }
        Files.createDirectories(dir);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoraBenchmark.Report r = LoraBenchmark.run(new LoraBenchmark.Settings(dir, MergeBenchmark.dims(layers), rank,
                repeats), line -> {
                    err.println("evomerge: " + line);
                    err.flush();
                });
        out.println("evomerge bench lora — " + java.time.LocalDate.now() + ", " + MergeBenchmark.machine());
        r.lines().forEach(out::println);
        out.flush();
        return 0;
    }
}
