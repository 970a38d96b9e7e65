package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.ResultCache;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.Suite;
import dev.evomerge.gate.Gate;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.gate.WeightDistance;
import dev.evomerge.io.Sha256;
import dev.evomerge.model.LayerPath;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.ParamSpec;
import dev.evomerge.search.space.SearchSpaces;
import dev.evomerge.search.refine.GradientLog;
import dev.evomerge.search.refine.MergeGradient;
import dev.evomerge.search.refine.Refinement;
import dev.evomerge.search.strategy.GreedySoupStrategy;
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
     * What a finished run hands the commands and the report, so neither reloads an input: {@code objective} as the run
     * scored (resolved), {@code space} as loaded for the run.
     */
    public record RunOutcome(String runId, Path runDir, RunOptions options, String strategy, List<String> tasks,
                          List<JournalEntry> entries, Map<String, Map<String, Double>> sourceSearchScores,
                          Finisher.FinishResult finish, double searchSeconds, double finishSeconds, int evaluatedNow,
                          int replayed, List<String> gridNames, Objective objective, MergeSpace space) {
    }

    /**
     * What a run scores and gates with, built by the caller (the CLI's wiring, or a test): models opened on a given
     * runtime, and the weight distance the gates measure.
     */
    public record Collaborators(Function<RuntimeOptions, ModelProvider> models, WeightDistance distance) {
        public Collaborators {
            Objects.requireNonNull(models, "models");
            Objects.requireNonNull(distance, "distance");
        }

        /** Llama checkpoints through the runtime, L2 distance from the checkpoint reader. */
        public static Collaborators llama() {
            return new Collaborators(runtime -> ModelProvider.llama(dir -> runtime), WeightDistance.l2());
        }
    }

    private SearchRun() {
    }

    /** A run id from the clock and the strategy, e.g. {@code 20250101-120000-cmaes}. */
    public static String newRunId(String strategy) {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)) + "-"
                + strategy;
    }

    /** RunOptions of an existing run, from its journal header ({@code workers} > 0 overrides). */
    public static RunOptions resumeOptions(Path runDir, int workers) {
        Path journal = runDir.resolve(Journal.FILE);
        if (!Files.isRegularFile(journal)) {
            throw new UserError("no run to resume at " + runDir + " (" + Journal.FILE + " not found)");
        }
        RunOptions o = RunOptions.fromJson(Journal.read(journal).header().path("run"));
        return workers > 0 ? o.withWorkers(workers) : o;
    }

    public static RunOutcome run(RunOptions o, Path runDir, boolean resume, PrintWriter log) {
        return run(o, runDir, resume, log, null);
    }

    public static RunOutcome run(RunOptions o, Path runDir, boolean resume, PrintWriter log,
                              Function<RunContext, EvaluationBackend> cluster) {
        return run(o, runDir, resume, log, cluster, RuntimeOptions.defaults(), Collaborators.llama());
    }

    /**
     * Runs with candidates evaluated by {@code cluster.apply(context)} (closed at the end), or, when {@code cluster}
     * is null, on {@code workers} threads of this process. Source scores and the finish run here either way, on
     * {@code runtime}'s device and precision (its thread count is set from the options), all under the run's
     * {@link RunLock}: a second process on the same run is refused. The device is not part of the run's options: a
     * resumed run may use another machine's.
     */
    public static RunOutcome run(RunOptions o, Path runDir, boolean resume, PrintWriter log,
                              Function<RunContext, EvaluationBackend> cluster, RuntimeOptions runtime,
                              Collaborators with) {
        // The inputs are checked before the run directory is locked (and created), so a bad file leaves nothing.
        MergeSpace space = SearchSpaces.load(o.space());
        Suite suite = Suite.load(o.suite());
        GateFile gates = o.gates() == null ? null : GateFile.load(o.gates());
        Genome start = o.startFrom() == null ? space.start() : startFrom(space, o.startFrom());
        try (RunLock lock = RunLock.acquire(runDir)) {
            return locked(o, runDir, resume, log, cluster, runtime, with, space, suite, gates, start);
        }
    }

    private static RunOutcome locked(RunOptions o, Path runDir, boolean resume, PrintWriter log,
                                  Function<RunContext, EvaluationBackend> cluster, RuntimeOptions runtime,
                                  Collaborators with, MergeSpace space, Suite suite, GateFile gates, Genome start) {
        ObjectNode inputs = inputs(o, suite, gates);
        Journal.Contents resumed = resume ? resumable(runDir, o, inputs, log) : null;

        List<String> gridNames = new ArrayList<>(o.grid().keySet());
        List<List<Double>> axes = o.strategy().equals("grid") ? gridAxes(space, o) : List.of();
        StrategyConfig config = StrategyConfig.defaults().withPopulation(o.population()).withBudget(o.budget())
                .withGrid(axes).withObjectives(space.objective().tasks());
        if (o.sigma() > 0) {
            config = config.withSigma(o.sigma());
        }
        config = config.withInitial(start);
        if (o.strategy().equals("greedy-soup")) {
            config = config.withSoups(new GreedySoupStrategy.Soups(
                    List.copyOf(space.sources().keySet()), space::soup));
        }
        CandidateMerger.L2Ceiling ceiling = ceiling(o, gates);
        int cores = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
        int intraOp = Math.max(1, cores / o.workers());
        Path spaceDir = o.space().toAbsolutePath().getParent();
        try (RunSetup wiring = RunSetup.local(space, suite, o.space(), ceiling, o.stageFraction(),
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

            // Scoring the sources and the finish's held-out re-scoring take minutes on real-size models: show progress.
            Progress.Factory progress = log == null ? Progress.Factory.NONE
                    : Progress.Factory.to(log, System.console() != null);
            // The sources' search-slice scores are constant for a run (its inputs cannot change): journaled at the
            // start, a resume reads them back instead of scoring every source again.
            Map<String, Map<String, Double>> sourceScores = resume ? journaledSourceScores(resumed.header()) : null;
            if (sourceScores == null) {
                sourceScores = scoreSources(shared, progress, merger, references, log);
            }

            // A resumed run keeps the constants it journaled: its candidates were scored by them.
            Objective.Retention retention = resume ? Normalization.fromHeader(resumed.header())
                    : wiring.retention(sourceScores);
            wiring.normalize(retention);
            shared = wiring.shared();
            Objective objective = shared.objective();
            if (log != null && retention != null) {
                log.println("evomerge: objective normalized by retention (0: the base, 1: the reference) " + retention);
                log.flush();
            }
            EvaluationBackend backend = cluster == null
                    ? new LocalBackend(space, RuntimeEvaluator.factory(shared), o.workers())
                    : cluster.apply(wiring.context(o.space(), o.suite()));
            String runId = runDir.getFileName().toString();
            // The leaderboard and best recipes follow the journal generation by generation, so a long run can be
            // read (or a killed one judged) before its end; every file is replaced atomically.
            SearchLoop loop = new SearchLoop(space, Normalization.told(strategy, objective), backend,
                    new SearchLoop.Settings(o.budget(), o.workers(), o.topK(), o.timeLimitSeconds() > 0
                            ? java.time.Duration.ofSeconds(o.timeLimitSeconds()) : null), log)
                    .afterEachGeneration(entries -> RunOutputs.write(runDir, runId, entries, o.topK(), spaceDir));
            if (log != null) {
                log.println("evomerge: candidates are evaluated on " + backend.describe());
                log.flush();
            }
            long t0 = System.nanoTime();
            SearchLoop.LoopResult result;
            try (backend) {
                result = resume ? loop.resume(runDir, resumed)
                        : loop.start(runDir, header(runId, strategy, o, space, inputs, retention, sourceScores));
            }
            double searchSeconds = (System.nanoTime() - t0) / 1e9;
            RunOutputs.write(runDir, runId, result.entries(), o.topK(), spaceDir);
            if (o.strategy().equals("grid")) {
                RunOutputs.writeSweep(runDir, result.entries(), space, gridNames);
            }

            merger.cache().clear(); // the finish merges each candidate once: kept tensors would only hold memory
            Finisher.FinishResult finish = null;
            long f0 = System.nanoTime();
            if (gates != null) {
                // Scores kept in the run: a source a gate compares with is scored once for all candidates (not once
                // per candidate and again for the table), and a resumed finish re-scores nothing it already scored.
                Scorer scorer = new Scorer(with.models().apply(runtime.withIntraOpThreads(cores)),
                        new SuiteRunner(16, progress), new ResultCache(runDir.resolve(SCORE_CACHE)));
                GateRunner runner = new GateRunner(scorer, with.distance());
                finish = new Finisher(space, merger, runner, scorer, log).finish(runDir, gates, result.entries(),
                        o.topK(), references);
            }
            double finishSeconds = (System.nanoTime() - f0) / 1e9;
            RunOutcome out = new RunOutcome(runId, runDir, o, strategy.name(), slice.taskNames(), result.entries(),
                    sourceScores, finish, searchSeconds, finishSeconds, result.evaluatedNow(), result.replayed(),
                    gridNames, objective, space);
            RunOutputs.writeJson(runDir.resolve(RunOutputs.RUN_JSON), runJson(out, merger.cache(), result));
            return out;
        }
    }

    /** RunOptions a resume may change: more candidates, and how the work is spread, which changes no score. */
    private static final List<String> RESUMABLE = List.of("budget", "workers", "threads", "time_limit_seconds");

    /**
     * What a run's results depend on besides its options: SHA-256 of the search space file, the suite's hash (its
     * file, every data file, the scoring version) and, with gates, the gates file's SHA-256 and its suite's hash.
     */
    static ObjectNode inputs(RunOptions o, Suite suite, GateFile gates) {
        ObjectNode in = JsonNodeFactory.instance.objectNode();
        in.put("space", Sha256.ofFile(o.space()));
        in.put("suite", suite.hash());
        in.put("gates", gates == null ? null : Sha256.ofFile(o.gates()) + " " + gates.suite().hash());
        if (o.startFrom() != null) {
            in.put("start_from", Sha256.ofFile(o.startFrom()));
        }
        return in;
    }

    /**
     * The genome of {@code recipe} in {@code space}: the point a search starts from in place of the space's own
     * {@link MergeSpace#start()}. A recipe the space cannot express is refused, naming the recipe and what does not
     * fit (a method, a source, a parameter outside its range or varying inside one gene).
     */
    static Genome startFrom(MergeSpace space, Path recipe) {
        if (!Files.isRegularFile(recipe)) {
            throw new UserError("start-from recipe " + recipe + " not found");
        }
        var loaded = dev.evomerge.merge.recipe.LoadedRecipe.load(recipe);
        try {
            return space.encode(new Candidate(loaded.recipe(), null, null), loaded.baseDirectory());
        } catch (UserError e) {
            throw new UserError("start-from recipe " + recipe + " does not fit: " + e.getMessage(), e);
        }
    }

    /**
     * The journal of the run to resume, once its recorded inputs and options match {@code o} and {@code inputs}:
     * resuming with another space, suite, gates file or option would journal candidates scored one way beside ones
     * scored another, and finish a model other than the one scored. Only a larger budget is taken (and recorded).
     */
    private static Journal.Contents resumable(Path runDir, RunOptions o, ObjectNode inputs, PrintWriter log) {
        Path file = runDir.resolve(Journal.FILE);
        if (!Files.isRegularFile(file)) {
            throw new UserError("no run to resume at " + runDir + " (" + Journal.FILE + " not found)");
        }
        Journal.Contents c = Journal.read(file);
        JsonNode then = c.header().path("inputs");
        for (String k : List.of("space", "suite", "gates", "start_from")) {
            if (!String.valueOf(then.get(k)).equals(String.valueOf(inputs.get(k)))) {
                String what = switch (k) {
                    case "space" -> "the search space " + o.space();
                    case "start_from" -> "the start-from recipe " + o.startFrom();
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
                        + " (only the budget may grow)");
            }
        }
        int budget = recorded.path("budget").asInt();
        if (o.budget() < budget) {
            throw new UserError("cannot resume " + runDir + " with a budget of " + o.budget() + ": the run's budget is "
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

    private static ObjectNode header(String runId, Strategy strategy, RunOptions o, MergeSpace space,
                                     ObjectNode inputs, Objective.Retention retention,
                                     Map<String, Map<String, Double>> sourceScores) {
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        header.put("run_id", runId);
        header.put("strategy", strategy.name());
        header.put("seed", o.seed());
        header.put("budget", o.budget());
        ArrayNode genes = header.putArray("gene_names");
        space.geneNames().forEach(genes::add);
        header.set("run", o.toJson());
        header.set("inputs", inputs);
        if (retention != null) {
            header.set(Normalization.HEADER, Normalization.toJson(retention));
        }
        ObjectNode sources = header.putObject(SOURCE_SCORES);
        sourceScores.forEach((name, scores) -> {
            ObjectNode x = sources.putObject(name);
            scores.forEach(x::put);
        });
        return header;
    }

    /** Each source (and the base) alone on the search slice, in {@code references}' order. */
    private static Map<String, Map<String, Double>> scoreSources(RuntimeEvaluator.Shared shared,
                                                                 Progress.Factory progress, CandidateMerger merger,
                                                                 Map<String, Path> references, PrintWriter log) {
        Map<String, Map<String, Double>> sourceScores = new LinkedHashMap<>();
        try (RuntimeEvaluator ev = new RuntimeEvaluator(shared, progress)) {
            for (var ref : references.entrySet()) {
                int layers = merger.checkpoint(ref.getValue()).numHiddenLayers();
                Candidate c = new Candidate(null, LayerPath.identity(layers), List.of(ref.getValue().toString()));
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
        return sourceScores;
    }

    /** Journal header field: each source's search-slice scores, in the order the run scored them. */
    static final String SOURCE_SCORES = "source_search_scores";

    /** The source scores a run journaled at its start, or null for a journal from before they were kept. */
    private static Map<String, Map<String, Double>> journaledSourceScores(JsonNode header) {
        JsonNode n = header.get(SOURCE_SCORES);
        if (n == null || !n.isObject()) {
            return null;
        }
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(source -> {
            Map<String, Double> scores = new LinkedHashMap<>();
            source.getValue().fields().forEachRemaining(t -> scores.put(t.getKey(), t.getValue().asDouble()));
            out.put(source.getKey(), scores);
        });
        return out;
    }

    private static CandidateMerger.L2Ceiling ceiling(RunOptions o, GateFile gates) {
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

    /** Grid axes: the space's own (discrete values, or {@code gridSteps} points), with explicit axes by parameter name. */
    static List<List<Double>> gridAxes(MergeSpace space, RunOptions o) {
        List<List<Double>> axes = new ArrayList<>(space.gridAxes(Math.max(1, o.gridSteps())));
        List<String> names = space.geneNames();
        for (var e : o.grid().entrySet()) {
            ParamSpec p = space.params().stream().filter(ps -> ps.name().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new UserError("grid axis " + e.getKey() + ": the search space " + o.space()
                            + " has no parameter '" + e.getKey() + "' (parameters: " + space.params().stream()
                            .map(ParamSpec::name).toList() + ")"));
            List<Double> genes = new ArrayList<>();
            for (double v : e.getValue()) {
                try {
                    genes.add(p.gene(v));
                } catch (IllegalArgumentException ex) {
                    throw new UserError("grid axis " + e.getKey() + ": " + ex.getMessage());
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

    static ObjectNode runJson(RunOutcome o, TensorCache cache, SearchLoop.LoopResult result) {
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
        r.put("stopped_by", result.timedOut() ? "time_limit"
                : o.entries().size() >= o.options().budget() ? "budget" : "strategy");
        ObjectNode counts = r.putObject("status_counts");
        SearchLoop.counts(o.entries()).forEach((s, n) -> counts.put(s.toString(), n));
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
            f.put("accepted", o.finish().outcomes().stream().filter(Finisher.Finalist::accepted).count());
        }
        return r;
    }
}
