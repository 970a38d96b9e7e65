package dev.evomerge.cli;

import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Scorer;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateReport;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.gate.WeightDistance;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge gate CANDIDATE_DIR --gates G.yaml}: accept or reject a candidate, one line per gate. */
@Command(name = "gate", mixinStandardHelpOptions = true,
        description = {"Checks a candidate against release gates on the held-out slice (see docs/eval-and-gates.md).",
                "Prints one line per gate and writes a JSON report."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every gate passed", "1:at least one gate failed (or was skipped): candidate rejected",
                "2:usage error", "3:bad input (missing file, malformed gates or suite, unknown task/source, ...)",
                "4:internal error"})
public final class GateCommand implements Callable<Integer> {
    /** Exit code when the candidate is rejected. */
    public static final int EXIT_REJECTED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ScoringOptions scoring;

    @CommandLine.Mixin
    DeviceOptions device;

    @Parameters(index = "0", paramLabel = "CANDIDATE_DIR", description = "Merged checkpoint to check.")
    Path candidate;

    @Option(names = "--gates", required = true, paramLabel = "GATES.yaml", description = "Gate file.")
    Path gates;

    @Option(names = "--report", paramLabel = "FILE",
            description = "JSON report (default: results/gates/<candidate>-gate-report.json).")
    Path report;

    @Option(names = "--evaluate-all",
            description = "Score the metric gates even when a tensor gate has already rejected the candidate.")
    boolean evaluateAll;

    /** Null: the runtime's models, on --device, made in {@link #call}. */
    private final ModelProvider models;
    private final WeightDistance distance;

    public GateCommand() {
        this.models = null;
        this.distance = Wiring.distance();
    }

    public GateCommand(ModelProvider models, WeightDistance distance) {
        this.models = Objects.requireNonNull(models, "models");
        this.distance = Objects.requireNonNull(distance, "distance");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntimeOptions runtime = device.runtime(RuntimeOptions.defaults(), err);
        ModelProvider provider = models != null ? models : Wiring.models(runtime);
        Scorer scorer = scoring.scorer(spec, provider, err);
        GateFile file = GateFile.load(gates);
        GateReport r = new GateRunner(scorer, distance).run(file, candidate, scoring.limitOrAll(), evaluateAll,
                err);
        r.lines().forEach(out::println);
        if (r.results().stream().anyMatch(g -> GateRunner.NOT_EVALUATED.equals(g.note()))) {
            out.println("(--evaluate-all scores the skipped gates anyway)");
        }
        out.println(r.summary());
        Path target = report != null ? report
                : Path.of("results", "gates", candidate.toAbsolutePath().normalize().getFileName()
                        + "-gate-report.json");
        AtomicFiles.write(target, Json.pretty(r.toJson()));
        out.println("report: " + target);
        out.flush();
        return r.accepted() ? 0 : EXIT_REJECTED;
    }
}
