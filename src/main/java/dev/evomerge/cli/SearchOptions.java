package dev.evomerge.cli;

import dev.evomerge.search.RunOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options shared by search, sweep and demo. */
final class SearchOptions {
    @picocli.CommandLine.Mixin
    DeviceOptions device;

    @Option(names = "--suite", paramLabel = "SUITE.yaml",
            description = "Evaluation suite (scored on its 'search' slice).")
    Path suite;

    @Option(names = "--gates", paramLabel = "GATES.yaml",
            description = "Release gates for the finish (top-k re-scored on the gates' slice, normally 'heldout').")
    Path gates;

    @CommandLine.Mixin
    RunSizeOptions size;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the strategy (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--population", defaultValue = "0", description = "Batch size (0: the strategy's default).")
    int population;

    @Option(names = "--sigma", defaultValue = "0", description = "CMA-ES initial step size in gene units (0: default).")
    double sigma;

    @Option(names = "--top", defaultValue = "3",
            description = "k: candidates exported and gated at the end; pruning compares with the k-th best "
                    + "(default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--stage", defaultValue = "0.25",
            description = "Fraction of the search slice scored before a pruning decision; 1 disables staging "
                    + "(default: ${DEFAULT-VALUE}).")
    double stage;

    @Option(names = "--max-l2", paramLabel = "X",
            description = "Reject candidates farther than X from the base before inference (default: the gates' "
                    + "l2_distance gate, if any).")
    Double maxL2;

    @Option(names = "--relative-l2", description = "--max-l2 is relative to ||base||.")
    boolean relativeL2;

    @Option(names = "--tensor-cache-mb", defaultValue = "1024",
            description = "Merged tensors kept for reuse across candidates (default: ${DEFAULT-VALUE} MB; 0: off).")
    long tensorCacheMb;

    @Option(names = "--time-limit", paramLabel = "DURATION",
            description = "Wall-clock budget, e.g. 30m, 2h or 1h30m: once it has passed no new generation is started"
                    + " (the one being evaluated completes), and the finish still runs; --resume continues the run"
                    + " with the time again. Default: none (the budget alone ends the search).")
    String timeLimit;

    @Option(names = "--run-id", description = "Name of the run directory (default: date-time-strategy).")
    String runId;

    @Option(names = "--cluster", paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Evaluate candidates on the workers of this cluster ('evomerge worker'); this process keeps "
                    + "the journal, scores the sources and runs the finish. Default: worker threads in this process.")
    String cluster;

    @Option(names = "--cluster-name", defaultValue = "evomerge",
            description = "The workers' cluster name (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--cluster-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long to wait for the cluster, or for a worker when none is left "
                    + "(default: ${DEFAULT-VALUE}).")
    int clusterTimeout;

    /** Checks every value given (usage errors, exit 2), before any file is read. */
    void check(CommandLine.Model.CommandSpec spec) {
        size.check(spec);
        threadsOption.check(spec);
        OptionValues.atLeast(spec, "--population", population, 0);
        OptionValues.finiteAtLeast(spec, "--sigma", sigma, 0);
        OptionValues.atLeast(spec, "--top", top, 1);
        OptionValues.fraction(spec, "--stage", stage);
        OptionValues.finiteAtLeast(spec, "--max-l2", maxL2, 0);
        OptionValues.atLeast(spec, "--tensor-cache-mb", tensorCacheMb, 0);
        OptionValues.runId(spec, "--run-id", runId);
        OptionValues.atLeast(spec, "--cluster-timeout", clusterTimeout, 1);
        timeLimitSeconds = OptionValues.seconds(spec, "--time-limit", timeLimit);
    }

    /** {@code --time-limit} in seconds (0: none), set by {@link #check}. */
    private long timeLimitSeconds;

    /**
     * The options of a resumed run: those recorded in its journal, with the ones given on this command line in their
     * place; the run then refuses any that changed, except a larger --budget and the spread of the work.
     */
    RunOptions resumed(RunOptions run, Path space, String strategy, CommandLine.ParseResult given) {
        Predicate<String> g = given::hasMatchedOption;
        RunOptions o = space != null ? run.withSpace(space) : run;
        o = g.test("--suite") ? o.withSuite(suite) : o;
        o = g.test("--gates") ? o.withGates(gates) : o;
        o = g.test("--strategy") ? o.withStrategy(strategy) : o;
        o = g.test("--budget") ? o.withBudget(size.budget) : o;
        o = g.test("--workers") ? o.withWorkers(size.workers) : o;
        o = g.test("--seed") ? o.withSeed(seed) : o;
        o = g.test("--population") ? o.withPopulation(population) : o;
        o = g.test("--sigma") ? o.withSigma(sigma) : o;
        o = g.test("--top") ? o.withTopK(top) : o;
        o = g.test("--stage") ? o.withStageFraction(stage) : o;
        o = g.test("--max-l2") ? o.withMaxL2(maxL2, o.maxL2Relative()) : o;
        o = g.test("--relative-l2") ? o.withMaxL2(o.maxL2(), relativeL2) : o;
        o = g.test("--tensor-cache-mb") ? o.withTensorCacheMb(tensorCacheMb) : o;
        o = g.test("--time-limit") ? o.withTimeLimitSeconds(timeLimitSeconds) : o;
        return g.test("--threads") ? o.withThreads(threadsOption.given()) : o;
    }

    RunOptions options(Path space, String strategy, int gridSteps, Map<String, List<Double>> grid) {
        if (suite == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--suite is required");
        }
        return RunOptions.defaults(space, suite).withGates(gates).withStrategy(strategy).withBudget(size.budget)
                .withWorkers(size.workers).withSeed(seed).withPopulation(population).withSigma(sigma).withTopK(top)
                .withStageFraction(stage).withMaxL2(maxL2, relativeL2).withTensorCacheMb(tensorCacheMb)
                .withGrid(gridSteps, grid).withThreads(threadsOption.given()).withTimeLimitSeconds(timeLimitSeconds);
    }
}
