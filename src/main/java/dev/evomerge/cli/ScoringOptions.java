package dev.evomerge.cli;

import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.ResultCache;
import dev.evomerge.eval.Scorer;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options of every command that scores models (eval, gate, search): how much, in what batches, with which cache. */
final class ScoringOptions {
    @Option(names = "--limit", paramLabel = "N", description = "Score only the first N examples of each task.")
    Integer limit;

    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "results/.cache/eval",
            description = "Score cache (default: ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--no-cache", description = "Neither read nor write the score cache.")
    boolean noCache;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N",
            description = "Examples per model call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    /** Checks the values (usage errors, exit 2) and builds the scorer that reports progress on {@code err}. */
    Scorer scorer(CommandLine.Model.CommandSpec spec, ModelProvider models, PrintWriter err) {
        if (limit != null) {
            OptionValues.atLeast(spec, "--limit", limit, 1);
        }
        OptionValues.atLeast(spec, "--batch-size", batchSize, 1);
        return new Scorer(models, new SuiteRunner(batchSize, Progress.Factory.to(err, System.console() != null)),
                noCache ? null : new ResultCache(cacheDir));
    }

    /** The example limit per task, 0 for all. */
    int limitOrAll() {
        return limit == null ? 0 : limit;
    }
}
