package dev.evomerge.cli;

import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.ResultTable;
import dev.evomerge.eval.ResultsJson;
import dev.evomerge.eval.SampleLog;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge eval MODEL_DIR --suite S.yaml}: per-task scores with intervals, cached per checkpoint and suite. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Scores a model per task on one slice of an evaluation suite (see docs/eval-and-gates.md).",
                "Prints a table; -o writes lm-evaluation-harness's results JSON (and, with --log-samples, its "
                        + "per-example JSONL). Scores are cached by (checkpoint content hash, suite hash, slice, "
                        + "limit)."},
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

    @Option(names = {"-o", "--output"}, paramLabel = "DIR|FILE.json",
            description = {"Also write the results as lm-eval's JSON. A directory gets lm-eval's layout: "
                    + "DIR/MODEL/results_DATE.json (MODEL: the model path with '/' as '__'); a FILE.json is written "
                    + "as named."})
    Path output;

    @Option(names = "--log-samples", description = {"With -o: also write each example's record as lm-eval's "
            + "samples_TASK_DATE.jsonl beside the results (the model runs even when the scores are cached)."})
    boolean logSamples;

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
        if (logSamples && output == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--log-samples needs -o DIR (where the "
                    + "samples files go)");
        }
        double start = now();
        SampleLog log = logSamples ? new SampleLog() : null;
        SuiteResult r;
        if (log != null) {
            r = scorer.scoreLogged(model, "model", s, slice, scoring.limitOrAll(), log);
        } else {
            Scorer.Scored scored = scorer.score(model, "model", s, slice, scoring.limitOrAll());
            r = scored.result();
            if (scored.cached()) {
                err.println("evomerge: using cached scores from " + scoring.cacheDir);
                err.flush();
            }
        }
        ResultsJson.Run run = new ResultsJson.Run(model.toString(), runtime.device().toString(), scoring.batchSize,
                start, now(), null);
        byte[] jsonBytes = Json.pretty(ResultsJson.write(r, run, log));
        if (output != null) {
            writeOutputs(run, jsonBytes, log, err);
        }
        if (json) {
            out.print(new String(jsonBytes, StandardCharsets.UTF_8));
        } else {
            out.print(ResultTable.render(r));
        }
        out.flush();
        return 0;
    }

    /**
     * lm-eval's layout (its EvaluationTracker): under a directory, {@code MODEL/results_DATE.json} and
     * {@code MODEL/samples_TASK_DATE.jsonl}, DATE being the local ISO time with ':' as '-'; a path ending in .json is
     * the results file itself (evomerge's scripts and gates name it), the samples going beside it.
     */
    private void writeOutputs(ResultsJson.Run run, byte[] jsonBytes, SampleLog log, PrintWriter err) {
        String date = DATE_ID.format(LocalDateTime.now());
        Path results;
        Path dir;
        if (output.getFileName() != null && output.getFileName().toString().endsWith(".json")) {
            results = output;
            dir = output.toAbsolutePath().getParent();
        } else {
            dir = output.resolve(run.sanitizedModelName());
            results = dir.resolve("results_" + date + ".json");
        }
        AtomicFiles.write(results, jsonBytes);
        err.println("evomerge: wrote " + results);
        if (log != null) {
            for (String task : log.samples().keySet()) {
                Path f = dir.resolve("samples_" + task + "_" + date + ".jsonl");
                AtomicFiles.write(f, log.jsonl(task));
                err.println("evomerge: wrote " + f);
            }
        }
        err.flush();
    }

    private static final DateTimeFormatter DATE_ID = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSSSSS");

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
