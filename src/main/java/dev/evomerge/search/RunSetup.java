package dev.evomerge.search;

import dev.evomerge.UserError;
import dev.evomerge.eval.Suite;
import dev.evomerge.io.Sha256;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.eval.Task;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A run's evaluation wiring, built the same way on the coordinator and on every cluster worker: the decoded space,
 * the merger over the run's open sources, and what the {@link RuntimeEvaluator}s share. Closing it unmaps the sources.
 */
public final class RunSetup implements AutoCloseable {
    private final MergeSpace space;
    private final Suite suite;
    private final SearchSlice slice;
    private final Map<String, Path> references;
    private final CandidateMerger merger;
    private RuntimeEvaluator.Shared shared;
    private Objective.Retention retention;
    private final CandidateMerger.L2Ceiling ceiling;
    private final long tensorCacheMb;

    private RunSetup(MergeSpace space, Suite suite, Path spaceFile, Double maxL2, boolean maxL2Relative,
                          double stageFraction, long tensorCacheMb, int batchSize, UnaryOperator<Path> locate,
                          int mergeThreads, RuntimeOptions runtime) {
        this.space = space;
        this.suite = suite;
        this.slice = SearchSlice.of(suite);
        for (String t : space.objective().tasks()) {
            suite.task(t);
        }
        Path spaceDir = spaceFile.toAbsolutePath().getParent();
        references = new LinkedHashMap<>();
        if (space.base() != null) {
            references.put(SearchSpaces.BASE, spaceDir.resolve(space.base()).normalize());
        }
        space.sources().forEach((n, p) -> references.put(n, spaceDir.resolve(p).normalize()));
        this.ceiling = maxL2 == null ? null : new CandidateMerger.L2Ceiling(maxL2, maxL2Relative);
        this.tensorCacheMb = tensorCacheMb;
        Path base = references.get(SearchSpaces.BASE);
        this.merger = new CandidateMerger(spaceDir, mergeThreads, new TensorCache(tensorCacheMb << 20),
                ceiling == null ? null : base, ceiling, locate);
        // A LoRA source (base+adapter) tokenizes as its base model does.
        Path tokenizer = locate.apply(Path.of(new ModelRef(
                (base != null ? base : references.values().iterator().next()).toString()).model()));
        // Raw until normalize(): scoring the sources, which the retention constants come from, needs no constants.
        this.shared = new RuntimeEvaluator.Shared(merger, slice, space.objective().raw(), stageFraction, tokenizer,
                runtime, batchSize);
    }

    /** The coordinator's (and local mode's) wiring, from the run's own files. */
    public static RunSetup local(MergeSpace space, Suite suite, Path spaceFile, CandidateMerger.L2Ceiling ceiling,
                                      double stageFraction, long tensorCacheMb, int mergeThreads, int intraOpThreads) {
        return local(space, suite, spaceFile, ceiling, stageFraction, tensorCacheMb, mergeThreads,
                RuntimeOptions.defaults().withIntraOpThreads(intraOpThreads));
    }

    /** As above, the models on {@code runtime}'s device, precision and intra-op threads. */
    public static RunSetup local(MergeSpace space, Suite suite, Path spaceFile, CandidateMerger.L2Ceiling ceiling,
                                      double stageFraction, long tensorCacheMb, int mergeThreads,
                                      RuntimeOptions runtime) {
        return new RunSetup(space, suite, spaceFile, ceiling == null ? null : ceiling.max(),
                ceiling != null && ceiling.relative(), stageFraction, tensorCacheMb, 16, UnaryOperator.identity(),
                mergeThreads, runtime);
    }

    /**
     * A worker's wiring for {@code context}: the space from its text, the suite from its path (refused if its bytes
     * differ from the coordinator's), model paths through {@code locate}, models on {@code runtime}'s device.
     */
    public static RunSetup remote(RunContext context, UnaryOperator<Path> locate, int mergeThreads,
                                       RuntimeOptions runtime, String worker) {
        Path suiteFile = Path.of(context.suiteFile());
        if (!Files.isRegularFile(suiteFile)) {
            throw new UserError("worker " + worker + " has no suite at " + suiteFile
                    + " (every worker reads the suite at the coordinator's path)");
        }
        if (!Sha256.ofFile(suiteFile).equals(context.suiteSha256())) {
            throw new UserError("worker " + worker + ": the suite " + suiteFile + " differs from the coordinator's");
        }
        MergeSpace space = SearchSpaces.load(Path.of(context.spaceFile()), context.spaceYaml());
        RunSetup wiring = new RunSetup(space, Suite.load(suiteFile), Path.of(context.spaceFile()),
                context.maxL2(), context.maxL2Relative(), context.stageFraction(), context.tensorCacheMb(),
                context.batchSize(), locate, mergeThreads, runtime);
        wiring.normalize(context.retention());
        return wiring;
    }

    /**
     * The retention constants of the space's objective from the sources' search-slice scores ({@code base} and each
     * source by name), or null when the objective stays raw: {@code normalize: none}, or the default with tasks of
     * one metric and direction or no base. Perplexity tasks are compared on a log scale.
     */
    public Objective.Retention retention(Map<String, Map<String, Double>> sourceScores) {
        Map<String, String> metrics = new LinkedHashMap<>();
        Map<String, Boolean> higher = new LinkedHashMap<>();
        java.util.Set<String> log = new java.util.HashSet<>();
        for (String t : space.objective().tasks()) {
            Task task = suite.task(t);
            metrics.put(t, task.metric());
            higher.put(t, task.type().higherIsBetter(task.metric()));
            if (!task.type().higherIsBetter(task.metric())) {
                log.add(t);
            }
        }
        // The default normalizes only where it can: a space without a base (pure linear) stays raw.
        boolean auto = space.objective().normalize() == Objective.Normalize.AUTO;
        return space.objective().normalizes(metrics, higher) && !(auto && space.base() == null)
                ? space.objective().retention(sourceScores, SearchSpaces.BASE, log) : null;
    }

    /**
     * Scores candidates by the objective normalized with {@code constants} from now on (null: raw scores). Called once,
     * before the first candidate: every evaluator this wiring makes afterwards uses them.
     */
    public void normalize(Objective.Retention constants) {
        retention = constants;
        shared = shared.withObjective(space.objective().withRetention(constants));
    }

    /** The constants {@link #normalize} set, or null. */
    public Objective.Retention retention() {
        return retention;
    }

    /** What a worker needs to rebuild this wiring; hashes every source (cached across runs by path, size, mtime). */
    public RunContext context(Path spaceFile, Path suiteFile) {
        Path abs = spaceFile.toAbsolutePath().normalize();
        List<RunContext.Source> sources = new ArrayList<>();
        references.forEach((n, p) -> sources.add(new RunContext.Source(n, p.toString(),
                merger.checkpoint(p).contentHash())));
        CandidateMerger.L2Ceiling c = ceiling;
        return new RunContext(abs.toString(), RunContext.read(abs), suiteFile.toAbsolutePath().normalize().toString(),
                Sha256.ofFile(suiteFile), sources, shared.stageFraction(), tensorCacheMb,
                c == null ? null : c.max(), c != null && c.relative(), shared.batchSize(), retention);
    }

    public MergeSpace space() {
        return space;
    }

    public Suite suite() {
        return suite;
    }

    public SearchSlice slice() {
        return slice;
    }

    /** Source names (base first) and their directories, as the coordinator names them. */
    public Map<String, Path> references() {
        return references;
    }

    public CandidateMerger merger() {
        return merger;
    }

    public RuntimeEvaluator.Shared shared() {
        return shared;
    }

    /** One {@link RuntimeEvaluator} per worker thread. */
    public CandidateEvaluator.Factory factory() {
        return RuntimeEvaluator.factory(shared);
    }

    /** Worker i's evaluator on {@code devices.get(i)} (a cluster worker's GPUs); empty: all on one. */
    public CandidateEvaluator.Factory factory(List<ComputeDevice> devices) {
        return RuntimeEvaluator.factory(shared, devices);
    }

    @Override
    public void close() {
        merger.close();
    }
}
