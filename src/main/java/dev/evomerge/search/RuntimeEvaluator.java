package dev.evomerge.search;

import dev.evomerge.io.Progress;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.eval.Task;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TextTokenizer;
import dev.evomerge.search.space.Objective;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link CandidateEvaluator} of one worker thread (local or on a cluster worker): merge in memory (shared {@link CandidateMerger}), swap the weights of
 * this worker's one runtime model, score the search slice, in two stages when pruning can help. It sees only a
 * {@link SearchSlice}: the held-out examples are not reachable from here.
 */
final class RuntimeEvaluator implements CandidateEvaluator {

    /**
     * What every worker of a run shares.
     *
     * @param merger        merges candidates against the run's open sources
     * @param slice         the search slice (the only examples the loop may score)
     * @param objective     the run's objective over the slice's tasks (weights, scalar or Pareto)
     * @param stageFraction fraction of each task scored before a pruning decision; 1 disables staging
     * @param tokenizer     tokenizer.json or a checkpoint directory holding it
     * @param options       runtime options; intra-op threads already divided among the workers
     * @param batchSize     examples per {@link SuiteRunner} request chunk
     */
    public record Shared(CandidateMerger merger, SearchSlice slice, Objective objective, double stageFraction,
                         Path tokenizer, RuntimeOptions options, int batchSize) {
        public Shared {
            Objects.requireNonNull(merger, "merger");
            Objects.requireNonNull(slice, "slice");
            Objects.requireNonNull(objective, "objective");
            if (!(stageFraction > 0 && stageFraction <= 1)) {
                throw new IllegalArgumentException("stage fraction must be in (0, 1], but was " + stageFraction);
            }
            if (!objective.resolved()) {
                throw new IllegalArgumentException("the objective's retention constants must be resolved first");
            }
        }

        /** The same, scoring by {@code value}. */
        Shared withObjective(Objective value) {
            return new Shared(merger, slice, value, stageFraction, tokenizer, options, batchSize);
        }

        /** The same, with models on {@code device} in the same precision. */
        Shared on(ComputeDevice device) {
            return new Shared(merger, slice, objective, stageFraction, tokenizer,
                    options.withDevice(device).withPrecision(options.precision()), batchSize);
        }
    }

    private final Shared shared;
    private final SuiteRunner evaluator;
    private final SearchSlice.Stages stages;
    private final Map<String, Integer> tailSizes = new LinkedHashMap<>();
    private final boolean staged;
    private TextTokenizer tokenizer;
    private LlamaModel model;
    private CandidateMerger.Merged loaded;
    private int counter;

    public RuntimeEvaluator(Shared shared) {
        this(shared, Progress.Factory.NONE);
    }

    /** With scoring progress reported through {@code progress} (the source baselines; candidates report none). */
    public RuntimeEvaluator(Shared shared, Progress.Factory progress) {
        this.shared = shared;
        this.evaluator = new SuiteRunner(shared.batchSize(), progress);
        this.staged = shared.stageFraction() < 1 && Staging.stageable(shared.slice().suite(), shared.objective().weights());
        this.stages = staged ? shared.slice().stages(shared.stageFraction()) : null;
        if (staged && stages.tail() != null) {
            for (Task t : stages.tail().tasks()) {
                tailSizes.put(t.name(), t.examples(SearchSlice.SLICE).size());
            }
        }
    }

    /** Every worker its own evaluator over {@code shared}. */
    public static Factory factory(Shared shared) {
        return (worker, workers) -> new RuntimeEvaluator(shared);
    }

    /** Worker i's evaluator with its model on {@code devices.get(i)} (one per GPU); empty: {@link #factory(Shared)}. */
    public static Factory factory(Shared shared, List<ComputeDevice> devices) {
        List<ComputeDevice> d = List.copyOf(devices);
        return d.isEmpty() ? factory(shared) : (worker, workers) -> new RuntimeEvaluator(
                shared.on(d.get(worker % d.size())));
    }

    @Override
    public Evaluation evaluate(Candidate candidate, double pruneBelow) {
        releaseCurrent();
        CandidateMerger.Merged merged;
        try {
            merged = shared.merger().materialize(candidate, "candidate " + (++counter));
        } catch (CandidateMerger.Rejected e) {
            return Evaluation.rejected(e.getMessage(), 0);
        }
        load(merged);
        long t0 = System.nanoTime();
        Suite full = shared.slice().suite();
        Map<String, Double> scores;
        CandidateStatus status = CandidateStatus.EVALUATED;
        String reason = null;
        if (staged && stages.tail() != null && pruneBelow > Double.NEGATIVE_INFINITY) {
            SuiteResult head = score(stages.head());
            double bound = Staging.upperBound(head, tailSizes, shared.objective());
            if (Staging.prune(bound, pruneBelow)) {
                scores = Staging.scores(head);
                status = CandidateStatus.PRUNED;
                reason = String.format(Locale.ROOT, "after %.0f%% of the search slice it can reach at most %.6g,"
                        + " below the k-th best %.6g", shared.stageFraction() * 100, bound, pruneBelow);
            } else {
                scores = Staging.combine(head, score(stages.tail()));
            }
        } else {
            scores = Staging.scores(score(full));
        }
        double evalSeconds = (System.nanoTime() - t0) / 1e9;
        return new Evaluation(status, scores, shared.objective().scalar(scores), reason, merged.seconds(),
                evalSeconds);
    }

    private SuiteResult score(Suite suite) {
        return evaluator.evaluate(model, "search-candidate", suite, SearchSlice.SLICE, 0);
    }

    /**
     * Lets go of the last candidate's weights before the next is merged, so one candidate per worker is in memory
     * (merged tensors the run's cache keeps are reused, not freed).
     */
    private void releaseCurrent() {
        if (model != null) {
            model.releaseWeights();
        }
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }

    /** Swaps this worker's model onto the candidate's weights (a new model only if the shape changed). */
    private void load(CandidateMerger.Merged next) {
        if (tokenizer == null && shared.tokenizer() != null) {
            tokenizer = TextTokenizer.load(shared.tokenizer());
        }
        if (model != null && model.config().equals(next.config().withNumLayers(next.path().size()))) {
            model.swapWeights(next.sources(), next.path());
        } else {
            if (model != null) {
                model.close();
            }
            model = LlamaModel.fromLayerPath(next.config(), next.sources(), next.path(), tokenizer, shared.options());
        }
        if (loaded != null) {
            loaded.close();
        }
        loaded = next;
    }

    /** The current model (for tests). */
    LanguageModel model() {
        return model;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
        }
        if (loaded != null) {
            loaded.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
