package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.eval.Evaluator;
import dev.evomerge.eval.Progress;
import dev.evomerge.eval.ResultCache;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.Suite;
import dev.evomerge.gate.Gate;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.model.LayerPath;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.ParamSpec;
import dev.evomerge.search.space.SearchSpaces;
import dev.evomerge.search.refine.GradientLog;
import dev.evomerge.search.refine.MergeGradient;
import dev.evomerge.search.refine.Refinement;
import dev.evomerge.search.strategy.StrategyConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One search or sweep from files to a finished run directory: load the space, suite and gates, create (or, resuming,
 * re-create from the journal header) the strategy, run the {@link SearchLoop}, write the leaderboards, best recipes and
 * {@code run.json}, then {@link Finisher finish} on the held-out slice. The commands are thin wrappers around this.
 */
public final class SearchRun {
    public static final String RUN_FORMAT = "evomerge-run";
    public static final int RUN_VERSION = 1;
    /** The finish's held-out scores, by model content, suite, slice and limit (see {@link ResultCache}). */
    public static final String SCORE_CACHE = "score-cache";

    /**
     * Everything a run is configured by; stored in the journal header so {@code --resume} rebuilds the same run.
     *
     * @param grid sweep axes by parameter name, in parameter units (empty: a search, or the space's own values)
     */
    public record Options(Path space, Path suite, Path gates, String strategy, int budget, int workers, long seed,
                          int population, double sigma, int topK, double stageFraction, Double maxL2,
                          boolean maxL2Relative, long tensorCacheMb, int gridSteps,
                          Map<String, List<Double>> grid, int threads) {
        public Options {
            Objects.requireNonNull(space, "space");
            Objects.requireNonNull(suite, "suite");
            Objects.requireNonNull(strategy, "strategy");
            grid = grid == null ? Map.of() : new LinkedHashMap<>(grid);
            if (workers < 1) {
                throw new UserError("--workers must be at least 1, but was " + workers);
            }
            if (budget < 1) {
                throw new UserError("--budget must be at least 1, but was " + budget);
            }
            if (!(stageFraction > 0 && stageFraction <= 1)) {
                throw new UserError("--stage must be in (0, 1], but was " + stageFraction);
            }
        }

        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("space", space.toAbsolutePath().normalize().toString());
            o.put("suite", suite.toAbsolutePath().normalize().toString());
            o.put("gates", gates == null ? null : gates.toAbsolutePath().normalize().toString());
            o.put("strategy", strategy);
            o.put("budget", budget);
            o.put("workers", workers);
            o.put("seed", seed);
            o.put("population", population);
            o.put("sigma", sigma);
            o.put("top_k", topK);
            o.put("stage_fraction", stageFraction);
            if (maxL2 != null) {
                o.put("max_l2", maxL2);
            }
            o.put("max_l2_relative", maxL2Relative);
            o.put("tensor_cache_mb", tensorCacheMb);
            o.put("grid_steps", gridSteps);
            ObjectNode g = o.putObject("grid");
            grid.forEach((k, v) -> v.forEach(g.withArray(k)::add));
            o.put("threads", threads);
            return o;
        }

        static Options fromJson(JsonNode o, int workersOverride) {
            Map<String, List<Double>> grid = new LinkedHashMap<>();
            o.path("grid").fields().forEachRemaining(e -> {
                List<Double> vs = new ArrayList<>();
                e.getValue().forEach(v -> vs.add(v.doubleValue()));
                grid.put(e.getKey(), vs);
            });
            return new Options(Path.of(o.get("space").asText()), Path.of(o.get("suite").asText()),
                    o.path("gates").isTextual() ? Path.of(o.get("gates").asText()) : null, o.get("strategy").asText(),
                    o.get("budget").asInt(), workersOverride > 0 ? workersOverride : o.get("workers").asInt(),
                    o.get("seed").asLong(), o.get("population").asInt(), o.get("sigma").asDouble(),
                    o.get("top_k").asInt(), o.get("stage_fraction").asDouble(),
                    o.has("max_l2") ? o.get("max_l2").asDouble() : null, o.path("max_l2_relative").asBoolean(),
                    o.get("tensor_cache_mb").asLong(), o.get("grid_steps").asInt(), grid, o.path("threads").asInt());
        }
    }

    /** What a finished run hands the commands (and the report). */
    public record Outcome(String runId, Path runDir, Options options, String strategy, List<String> tasks,
                          List<JournalEntry> entries, Map<String, Map<String, Double>> sourceSearchScores,
                          Finisher.Result finish, double searchSeconds, double finishSeconds, int evaluatedNow,
                          int replayed, List<String> gridNames) {
    }

    private SearchRun() {
    }

    /** A run id from the clock and the strategy, e.g. {@code 20250101-120000-cmaes}. */
    public static String newRunId(String strategy) {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)) + "-"
                + strategy;
    }

    /** Options of an existing run, from its journal header ({@code workers} > 0 overrides). */
    public static Options resumeOptions(Path runDir, int workers) {
        Path journal = runDir.resolve(Journal.FILE);
        if (!Files.isRegularFile(journal)) {
            throw new UserError("no run to resume at " + runDir + " (" + Journal.FILE + " not found)");
        }
        return Options.fromJson(Journal.read(journal).header().path("run"), workers);
    }

    public static Outcome run(Options o, Path runDir, boolean resume, PrintWriter log) {
        return run(o, runDir, resume, log, null);
    }

    public static Outcome run(Options o, Path runDir, boolean resume, PrintWriter log,
                              Function<RunContext, EvaluationBackend> cluster) {
        return run(o, runDir, resume, log, cluster, RuntimeOptions.defaults());
    }

    /**
     * Runs with candidates evaluated by {@code cluster.apply(context)} (closed at the end), or, when {@code cluster}
     * is null, on {@code workers} threads of this process. Source scores and the finish run here either way, on
     * {@code runtime}'s device and precision (its thread count is set from the options), all under the run's
     * {@link RunLock}: a second process on the same run is refused. The device is not part of the run's options: a
     * resumed run may use another machine's.
     */
    public static Outcome run(Options o, Path runDir, boolean resume, PrintWriter log,
                              Function<RunContext, EvaluationBackend> cluster, RuntimeOptions runtime) {
        // The inputs are checked before the run directory is locked (and created), so a bad file leaves nothing.
        MergeSpace space = SearchSpaces.load(o.space());
        Suite suite = Suite.load(o.suite());
        GateFile gates = o.gates() == null ? null : GateFile.load(o.gates());
        try (RunLock lock = RunLock.acquire(runDir)) {
            return locked(o, runDir, resume, log, cluster, runtime, space, suite, gates);
        }
    }

    private static Outcome locked(Options o, Path runDir, boolean resume, PrintWriter log,
                                  Function<RunContext, EvaluationBackend> cluster, RuntimeOptions runtime,
                                  MergeSpace space, Suite suite, GateFile gates) {
        ObjectNode inputs = inputs(o, suite, gates);
        Journal.Contents resumed = resume ? resumable(runDir, o, inputs, log) : null;

        List<String> gridNames = new ArrayList<>(o.grid().keySet());
        List<List<Double>> axes = o.strategy().equals("grid") ? gridAxes(space, o) : List.of();
        StrategyConfig config = StrategyConfig.defaults().withPopulation(o.population()).withBudget(o.budget())
                .withGrid(axes).withObjectives(space.objective().tasks());
        if (o.sigma() > 0) {
            config = config.withSigma(o.sigma());
        }
        if (space.start() != null) {
            config = config.withInitial(space.start());
        }
        CandidateMerger.L2Ceiling ceiling = ceiling(o, gates);
        int cores = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
        int intraOp = Math.max(1, cores / o.workers());
        Path spaceDir = o.space().toAbsolutePath().getParent();
        try (RunEvaluators wiring = RunEvaluators.local(space, suite, o.space(), ceiling, o.stageFraction(),
                o.tensorCacheMb(), cores, runtime.withIntraOpThreads(intraOp));
             GradientLog gradients = new GradientLog(runDir.resolve(GradientLog.FILE), at -> {
                 MergeGradient g = MergeGradient.create(space, wiring.merger(), wiring.slice(),
                         wiring.shared().tokenizer(), at, cores);
                 if (log != null) {
                     log.println("evomerge: " + g.describe());
                 }
                 return g;
             })) {
            Strategy strategy = Refinement.create(o.strategy(), config, space.dimension(), o.seed(), gradients);
            CandidateMerger merger = wiring.merger();
            RuntimeEvaluator.Shared shared = wiring.shared();
            SearchSlice slice = wiring.slice();
            Map<String, Path> references = wiring.references();

            Map<String, Map<String, Double>> sourceScores = new LinkedHashMap<>();
            // Scoring the sources and the finish's held-out re-scoring take minutes on real-size models: show progress.
            Progress.Factory progress = log == null ? Progress.Factory.NONE
                    : Progress.Factory.to(log, System.console() != null);
            try (RuntimeEvaluator ev = new RuntimeEvaluator(shared, progress)) {
                for (var ref : references.entrySet()) {
                    int layers = merger.checkpoint(ref.getValue()).numHiddenLayers();
                    Candidate c = new Candidate(null, LayerPath.identity(layers),
                            List.of(ref.getValue().toString()));
                    if (log != null) {
                        log.println("evomerge: scoring source " + ref.getKey() + " on the search slice");
                        log.flush();
                    }
                    Map<String, Double> scores = ev.evaluate(c, Double.NEGATIVE_INFINITY).scores();
                    sourceScores.put(ref.getKey(), scores);
                    if (log != null) {
                        log.println("evomerge: source " + ref.getKey() + " search-slice scores " + scores);
                        log.flush();
                    }
                }
            }

            EvaluationBackend backend = cluster == null
                    ? new LocalBackend(space, RuntimeEvaluator.factory(shared), o.workers())
                    : cluster.apply(wiring.context(o.space(), o.suite()));
            SearchLoop loop = new SearchLoop(space, strategy, backend,
                    new SearchLoop.Settings(o.budget(), o.workers(), o.topK()), log);
            if (log != null) {
                log.println("evomerge: candidates are evaluated on " + backend.describe());
                log.flush();
            }
            long t0 = System.nanoTime();
            SearchLoop.Result result;
            String runId = runDir.getFileName().toString();
            try (backend) {
                result = resume ? loop.resume(runDir, resumed)
                        : loop.start(runDir, header(runId, strategy, o, space, inputs));
            }
            double searchSeconds = (System.nanoTime() - t0) / 1e9;
            RunOutputs.write(runDir, runId, result.entries(), o.topK(), spaceDir);
            if (o.strategy().equals("grid")) {
                RunOutputs.writeSweep(runDir, result.entries(), space, gridNames);
            }

            merger.cache().clear(); // the finish merges each candidate once: kept tensors would only hold memory
            Finisher.Result finish = null;
            long f0 = System.nanoTime();
            if (gates != null) {
                // Scores kept in the run: a source a gate compares with is scored once for all candidates (not once
                // per candidate and again for the table), and a resumed finish re-scores nothing it already scored.
                Scorer scorer = new Scorer(new dev.evomerge.eval.ModelProvider(
                        dir -> dev.evomerge.model.LlamaModel.load(dir, runtime.withIntraOpThreads(cores)),
                        dev.evomerge.eval.ModelProvider::checkpointIdentity),
                        new Evaluator(16, progress), new ResultCache(runDir.resolve(SCORE_CACHE)));
                GateRunner runner = new GateRunner(scorer, (cand, b) -> {
                    try (var c = dev.evomerge.checkpoint.Checkpoint.open(cand);
                         var bb = dev.evomerge.checkpoint.Checkpoint.open(b)) {
                        var r = dev.evomerge.checkpoint.WeightDistance.l2(c, bb);
                        return new dev.evomerge.gate.WeightDistance.Measurement(r.distance(), r.baseNorm());
                    }
                });
                finish = new Finisher(space, merger, runner, scorer, log).finish(runDir, gates, result.entries(),
                        o.topK(), references);
            }
            double finishSeconds = (System.nanoTime() - f0) / 1e9;
            Outcome out = new Outcome(runId, runDir, o, strategy.name(), slice.taskNames(), result.entries(),
                    sourceScores, finish, searchSeconds, finishSeconds, result.evaluatedNow(), result.replayed(),
                    gridNames);
            RunOutputs.writeJson(runDir.resolve(RunOutputs.RUN_JSON), runJson(out, merger.cache(), result));
            return out;
        }
    }

    /** Options a resume may change: more candidates, and how the work is spread, which changes no score. */
    private static final List<String> RESUMABLE = List.of("budget", "workers", "threads");

    /**
     * What a run's results depend on besides its options: SHA-256 of the search space file, the suite's hash (its
     * file, every data file, the scoring version) and, with gates, the gates file's SHA-256 and its suite's hash.
     */
    static ObjectNode inputs(Options o, Suite suite, GateFile gates) {
        ObjectNode in = JsonNodeFactory.instance.objectNode();
        in.put("space", RunContext.sha256(o.space()));
        in.put("suite", suite.hash());
        in.put("gates", gates == null ? null : RunContext.sha256(o.gates()) + " " + gates.suite().hash());
        return in;
    }

    /**
     * The journal of the run to resume, once its recorded inputs and options match {@code o} and {@code inputs}:
     * resuming with another space, suite, gates file or option would journal candidates scored one way beside ones
     * scored another, and finish a model other than the one scored. Only a larger budget is taken (and recorded).
     */
    private static Journal.Contents resumable(Path runDir, Options o, ObjectNode inputs, PrintWriter log) {
        Path file = runDir.resolve(Journal.FILE);
        if (!Files.isRegularFile(file)) {
            throw new UserError("no run to resume at " + runDir + " (" + Journal.FILE + " not found)");
        }
        Journal.Contents c = Journal.read(file);
        JsonNode then = c.header().path("inputs");
        for (String k : List.of("space", "suite", "gates")) {
            if (!String.valueOf(then.get(k)).equals(String.valueOf(inputs.get(k)))) {
                String what = switch (k) {
                    case "space" -> "the search space " + o.space();
                    case "suite" -> "the suite " + o.suite() + " (or one of its data files)";
                    default -> "the gates file " + o.gates() + " (or its suite)";
                };
                throw new UserError("cannot resume " + runDir + ": " + what + " changed since the run started"
                        + " (SHA-256 differs); restore it, or start a new run");
            }
        }
        JsonNode recorded = c.header().path("run");
        ObjectNode now = o.toJson();
        java.util.Set<String> fields = new java.util.LinkedHashSet<>();
        recorded.fieldNames().forEachRemaining(fields::add);
        now.fieldNames().forEachRemaining(fields::add);
        for (String f : fields) {
            if (!RESUMABLE.contains(f) && !String.valueOf(recorded.get(f)).equals(String.valueOf(now.get(f)))) {
                throw new UserError("cannot resume " + runDir + ": option " + f + " was " + recorded.get(f)
                        + " when the run started and is " + now.get(f) + " now; a resumed run keeps its options"
                        + " (only --budget may grow)");
            }
        }
        int budget = recorded.path("budget").asInt();
        if (o.budget() < budget) {
            throw new UserError("cannot resume " + runDir + " with --budget " + o.budget() + ": the run's budget is "
                    + budget + " and can only grow");
        }
        if (o.budget() > budget) {
            ObjectNode h = c.header().deepCopy();
            h.put("budget", o.budget());
            ((ObjectNode) h.get("run")).put("budget", o.budget());
            c = Journal.replaceHeader(file, c, h);
            if (log != null) {
                log.println("evomerge: budget raised from " + budget + " to " + o.budget() + " candidates");
            }
        }
        return c;
    }

    private static ObjectNode header(String runId, Strategy strategy, Options o, MergeSpace space,
                                     ObjectNode inputs) {
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        header.put("run_id", runId);
        header.put("strategy", strategy.name());
        header.put("seed", o.seed());
        header.put("budget", o.budget());
        ArrayNode genes = header.putArray("gene_names");
        space.geneNames().forEach(genes::add);
        header.set("run", o.toJson());
        header.set("inputs", inputs);
        return header;
    }

    private static CandidateMerger.L2Ceiling ceiling(Options o, GateFile gates) {
        if (o.maxL2() != null) {
            return new CandidateMerger.L2Ceiling(o.maxL2(), o.maxL2Relative());
        }
        if (gates != null && gates.base() != null) {
            for (Gate g : gates.gates()) {
                if (g instanceof Gate.Distance d) {
                    return new CandidateMerger.L2Ceiling(d.max(), d.relative());
                }
            }
        }
        return null;
    }

    /** Grid axes: the space's own (discrete values, or {@code gridSteps} points), with {@code --grid} overrides. */
    static List<List<Double>> gridAxes(MergeSpace space, Options o) {
        List<List<Double>> axes = new ArrayList<>(space.gridAxes(Math.max(1, o.gridSteps())));
        List<String> names = space.geneNames();
        for (var e : o.grid().entrySet()) {
            ParamSpec p = space.params().stream().filter(ps -> ps.name().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new UserError("--grid " + e.getKey() + ": the search space " + o.space()
                            + " has no parameter '" + e.getKey() + "' (parameters: " + space.params().stream()
                            .map(ParamSpec::name).toList() + ")"));
            List<Double> genes = new ArrayList<>();
            for (double v : e.getValue()) {
                try {
                    genes.add(p.gene(v));
                } catch (IllegalArgumentException ex) {
                    throw new UserError("--grid " + e.getKey() + ": " + ex.getMessage());
                }
            }
            for (int i = 0; i < names.size(); i++) {
                if (belongs(names.get(i), p.name())) {
                    axes.set(i, genes);
                }
            }
        }
        return axes;
    }

    static boolean belongs(String geneName, String param) {
        return geneName.equals(param) || geneName.startsWith(param + "[") || geneName.startsWith(param + ".");
    }

    static ObjectNode runJson(Outcome o, TensorCache cache, SearchLoop.Result result) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("format", RUN_FORMAT);
        r.put("version", RUN_VERSION);
        r.put("run_id", o.runId());
        r.put("strategy", o.strategy());
        r.put("seed", o.options().seed());
        r.put("budget", o.options().budget());
        r.put("workers", o.options().workers());
        r.set("options", o.options().toJson());
        ArrayNode tasks = r.putArray("tasks");
        o.tasks().forEach(tasks::add);
        r.put("evaluations", o.entries().size());
        r.put("evaluated_this_process", o.evaluatedNow());
        r.put("replayed_from_journal", o.replayed());
        ObjectNode counts = r.putObject("status_counts");
        SearchLoop.counts(o.entries()).forEach(counts::put);
        JournalEntry best = SearchLoop.best(o.entries());
        if (best != null) {
            ObjectNode b = r.putObject("best");
            b.put("index", best.index());
            b.put("fitness", best.fitness());
            ObjectNode s = b.putObject("scores");
            best.scores().forEach(s::put);
        }
        ObjectNode src = r.putObject("sources_search_scores");
        o.sourceSearchScores().forEach((n, m) -> {
            ObjectNode x = src.putObject(n);
            m.forEach(x::put);
        });
        ObjectNode t = r.putObject("timings");
        t.put("search_seconds", o.searchSeconds());
        t.put("finish_seconds", o.finishSeconds());
        t.put("mean_merge_seconds", o.entries().stream().mapToDouble(JournalEntry::mergeSeconds).average().orElse(0));
        t.put("mean_eval_seconds", o.entries().stream().mapToDouble(JournalEntry::evalSeconds).average().orElse(0));
        t.put("candidates_per_second", o.searchSeconds() > 0 ? o.evaluatedNow() / o.searchSeconds() : 0);
        ObjectNode c = r.putObject("tensor_cache");
        c.put("hits", cache.hits());
        c.put("misses", cache.misses());
        c.put("bytes", cache.bytes());
        if (o.finish() != null) {
            ObjectNode f = r.putObject("finish");
            f.put("gated", o.finish().outcomes().size());
            f.put("accepted", o.finish().outcomes().stream().filter(Finisher.Outcome::accepted).count());
        }
        return r;
    }
}
