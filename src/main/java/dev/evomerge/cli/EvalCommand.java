package dev.evomerge.cli;

import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.ResultTable;
import dev.evomerge.eval.ResultsJson;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import dev.evomerge.model.RuntimeOptions;
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

    @CommandLine.Mixin
    ScoringOptions scoring;

    @CommandLine.Mixin
    DeviceOptions device;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Checkpoint directory to score.")
    Path model;

    @Option(names = "--suite", required = true, paramLabel = "SUITE.yaml", description = "Evaluation suite.")
    Path suite;

    @Option(names = "--slice", defaultValue = "heldout", description = "Slice to score (default: ${DEFAULT-VALUE}).")
    String slice;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Also write the results as JSON here.")
    Path output;

    @Option(names = "--json", description = "Print the JSON results instead of the table.")
    boolean json;

    /** Null: the runtime's models, on --device, made in {@link #call}. */
    private final ModelProvider models;

    public EvalCommand() {
        this.models = null;
    }

    public EvalCommand(ModelProvider models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntimeOptions runtime = device.runtime(RuntimeOptions.defaults(), err);
        ModelProvider provider = models != null ? models : Wiring.models(runtime);
        Scorer scorer = scoring.scorer(spec, provider, err);
        Suite s = Suite.load(suite);
        s.requireSlice(slice);
        Scorer.Scored scored = scorer.score(model, "model", s, slice, scoring.limitOrAll());
        SuiteResult r = scored.result();
        if (scored.cached()) {
            err.println("evomerge: using cached scores from " + scoring.cacheDir);
            err.flush();
        }
        byte[] jsonBytes = Json.pretty(ResultsJson.write(r));
        if (output != null) {
            AtomicFiles.write(output, jsonBytes);
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
