package dev.evomerge.search;

import java.util.Map;
import java.util.Objects;

/**
 * Turns one candidate into search-slice scores. One instance per worker thread, used by that thread only (it owns a
 * runtime model whose weights it swaps per candidate); instances of one run share the opened sources.
 */
public interface CandidateEvaluator extends AutoCloseable {

    /** Makes the evaluator of worker {@code worker} (0-based) of {@code workers}. */
    @FunctionalInterface
    interface Factory {
        CandidateEvaluator create(int worker, int workers);
    }

    /**
     * What happened to a candidate.
     *
     * @param status  {@link CandidateStatus#EVALUATED}, {@link CandidateStatus#PRUNED} or {@link CandidateStatus#REJECTED}
     * @param scores  per-task scores (higher is better); on the first stage only when pruned; empty when rejected
     * @param fitness the objective on {@code scores}; -Infinity when rejected
     * @param reason  why pruned or rejected, else null
     */
    record Evaluation(CandidateStatus status, Map<String, Double> scores, double fitness, String reason, double mergeSeconds,
                   double evalSeconds) {
        public Evaluation {
            Objects.requireNonNull(status, "status");
            scores = TaskScores.inOrder(scores);
        }

        public static Evaluation rejected(String reason, double mergeSeconds) {
            return new Evaluation(CandidateStatus.REJECTED, Map.of(), Double.NEGATIVE_INFINITY, reason, mergeSeconds, 0);
        }
    }

    /**
     * Scores {@code candidate}. With staged evaluation, a candidate whose best reachable fitness is below
     * {@code pruneBelow} is stopped early ({@code -Infinity}: never prune).
     */
    Evaluation evaluate(Candidate candidate, double pruneBelow);

    @Override
    void close();
}
