package dev.evomerge.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --threads N}, one declaration for every command that takes it: CPU threads, 0 (the default) for all. */
final class ThreadsOption {
    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU threads to use in all; a run splits them among its workers (default: 0, all processors).")
    int threads;

    /** Refuses a value outside 0..{@link OptionValues#MAX_THREADS} as a usage error (exit 2). */
    void check(CommandSpec spec) {
        OptionValues.threads(spec, "--threads", threads);
    }

    /** N as given, 0 for all processors. */
    int given() {
        return threads;
    }

    /** N, or the number of processors for 0. */
    int resolved() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
