package dev.evomerge.cli;

import dev.evomerge.report.SearchReport;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.SearchRun;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge search SPACE.yaml --suite S --gates G}: an evolutionary recipe search, resumable after a kill. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Searches merge recipes: each candidate is merged in memory and scored on the suite's search "
                + "slice; the top-k are re-scored on the held-out slice and gated at the end.",
                "Writes results/<run-id>/: journal.jsonl, leaderboard.csv/.md, best/rank-N.yaml, run.json, "
                        + "finish.md/.json, accepted/<name>/, report.md/.html."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:finished", "2:usage error", "3:bad input", "4:internal error"})
public final class SearchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    SearchOptions opts;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPACE.yaml", description = "Search space.")
    Path space;

    @Option(names = "--strategy", defaultValue = "cmaes", converter = StrategyName.class,
            description = "cmaes, ga, nsga2, grid, random, greedy-soup, refine (gradient refinement from the start point) or"
                    + " STRATEGY+refineN (N refinement steps after STRATEGY) (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--resume", paramLabel = "RUN",
            description = "Continue run RUN (its directory, results/<run-id>, or a run id under --out) after a crash "
                    + "or kill: nothing journaled is evaluated again. Refused if its space, suite, gates or options changed; --budget may grow.")
    String resume;

    @Option(names = "--start-from", paramLabel = "RECIPE.yaml",
            description = "Start the search from this recipe's values (e.g. a hand-tuned mergekit recipe over the "
                    + "space's models) instead of the space's start point; refused, naming the field, if the space "
                    + "cannot express it.")
    Path startFrom;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        opts.check(spec);
        RunOptions o;
        String runId;
        Path out = opts.size.out;
        if (resume != null) {
            Path runDir = OptionValues.runDirectory(spec, "--resume", resume, opts.size.out);
            out = runDir.getParent();
            runId = runDir.getFileName().toString();
            o = opts.resumed(SearchRun.resumeOptions(runDir, 0), space, strategy,
                    spec.commandLine().getParseResult());
            o = startFrom != null ? o.withStartFrom(startFrom) : o;
        } else {
            if (space == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give SPACE.yaml (or --resume RUN)");
            }
            o = opts.options(space, strategy, 5, Map.of()).withStartFrom(startFrom);
            runId = opts.runId != null ? opts.runId : SearchRun.newRunId(strategy);
        }
        SearchRun.RunOutcome r = SearchCommands.run(o, out, runId, resume != null, err, opts);
        SearchReport.write(r, null);
        SearchCommands.summary(r, spec.commandLine().getOut());
        return 0;
    }
}
