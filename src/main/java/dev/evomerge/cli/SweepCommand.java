package dev.evomerge.cli;

import dev.evomerge.report.SearchReport;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.SearchRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge sweep SPACE.yaml --suite S --grid lambda=... --grid density=...}: a grid, as a heatmap. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Evaluates every point of a grid over the space's parameters (the grid strategy) and writes "
                + "sweep.csv (one row per point, parameter values in their own units) and a heatmap in the report."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:finished", "2:usage error", "3:bad input", "4:internal error"})
public final class SweepCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SearchOptions opts;

    @Parameters(index = "0", paramLabel = "SPACE.yaml", description = "Search space.")
    Path space;

    @Option(names = "--grid", paramLabel = "NAME=v1,v2,...",
            description = "Values of one parameter, in its own units (repeatable); other parameters use the space's "
                    + "values or --steps points.")
    List<String> grid;

    @Option(names = "--steps", defaultValue = "5",
            description = "Points per continuous parameter without --grid values (default: ${DEFAULT-VALUE}).")
    int steps;

    /** The budget of a sweep without {@code --budget}: more points than any grid a person would ask for. */
    static final int UNBOUNDED = 100_000;

    @Override
    public Integer call() {
        opts.check(spec);
        OptionValues.atLeast(spec, "--steps", steps, 1);
        Map<String, List<Double>> axes = SearchCommands.parseGrid(grid);
        RunOptions o = opts.options(space, "grid", steps, axes);
        if (!spec.commandLine().getParseResult().hasMatchedOption("--budget")) {
            o = o.withBudget(UNBOUNDED);  // a sweep evaluates its whole grid unless told otherwise
        }
        String runId = opts.runId != null ? opts.runId : SearchRun.newRunId("sweep");
        SearchRun.RunOutcome r = SearchCommands.run(o, opts.size.out, runId, false, spec.commandLine().getErr(),
                opts);
        SearchReport.write(r, SearchReport.sweep(r));
        SearchCommands.summary(r, spec.commandLine().getOut());
        spec.commandLine().getOut().println("Sweep table: " + r.runDir().resolve("sweep.csv"));
        return 0;
    }
}
