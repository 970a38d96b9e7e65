package dev.evomerge.cli;

import dev.evomerge.eval.Evaluator;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Progress;
import dev.evomerge.eval.ResultCache;
import dev.evomerge.eval.ResultTable;
import dev.evomerge.eval.ResultsJson;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge eval MODEL_DIR --suite S.yaml}: per-task scores with intervals, cached per checkpoint and suite. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Scores a model per task on one slice of an evaluation suite (see docs/eval-and-gates.md).",
                "Prints a table; -o writes lm-evaluation-harness-shaped JSON. Scores are cached by (checkpoint "
                        + "content hash, suite hash, slice, limit)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:scored", "2:usage error", "3:bad input (missing file, malformed suite or data, ...)",
                "4:internal error"})
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Checkpoint directory to score.")
    Path model;

    @Option(names = "--suite", required = true, paramLabel = "SUITE.yaml", description = "Evaluation suite.")
    Path suite;

    @Option(names = "--slice", defaultValue = "heldout", description = "Slice to score (default: ${DEFAULT-VALUE}).")
    String slice;

    @Option(names = "--limit", paramLabel = "N", description = "Score only the first N examples of each task.")
    Integer limit;

    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "results/.cache/eval",
            description = "Score cache (default: ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--no-cache", description = "Neither read nor write the score cache.")
    boolean noCache;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Also write the results as JSON here.")
    Path output;

    @Option(names = "--json", description = "Print the JSON results instead of the table.")
    boolean json;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N",
            description = "Examples per model call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    private final ModelProvider models;

    public EvalCommand() {
        this(Wiring.models());
    }

    public EvalCommand(ModelProvider models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    @Override
    public Integer call() {
        if (limit != null && limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1, but was "
                    + limit);
        }
        if (batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be at least 1, but was "
                    + batchSize);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Suite s = Suite.load(suite);
        s.requireSlice(slice);
        Scorer scorer = new Scorer(models, new Evaluator(batchSize, Progress.Factory.to(err, System.console() != null)),
                noCache ? null : new ResultCache(cacheDir));
        Scorer.Scored scored = scorer.score(model, "model", s, slice, limit == null ? 0 : limit);
        SuiteResult r = scored.result();
        if (scored.cached()) {
            err.println("evomerge: using cached scores from " + cacheDir);
            err.flush();
        }
        byte[] jsonBytes = ResultsJson.bytes(ResultsJson.write(r));
        if (output != null) {
            ResultCache.writeAtomically(output, jsonBytes);
        }
        if (json) {
            out.print(new String(jsonBytes, StandardCharsets.UTF_8));
        } else {
            out.print(ResultTable.render(r));
        }
        out.flush();
        return 0;
    }
}
