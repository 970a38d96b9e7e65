package dev.evomerge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How many candidates a run evaluates, on how many evaluators, and where its directory goes: the options of search,
 * sweep and demo. A command with another default budget creates the mixin with it (picocli keeps an instance the
 * field already holds, and the initial value is the option's default).
 */
final class RunSizeOptions {
    @Option(names = "--budget", description = "Most candidates to evaluate (default: ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--workers",
            description = "Parallel evaluators, each with its own runtime model (default: ${DEFAULT-VALUE}).")
    int workers = 1;

    @Option(names = "--out", description = "Runs directory (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("results");

    RunSizeOptions() {
        this(64);
    }

    RunSizeOptions(int budget) {
        this.budget = budget;
    }

    /** Refuses a budget or worker count below 1 as a usage error (exit 2). */
    void check(CommandSpec spec) {
        OptionValues.atLeast(spec, "--budget", budget, 1);
        OptionValues.atLeast(spec, "--workers", workers, 1);
    }
}
