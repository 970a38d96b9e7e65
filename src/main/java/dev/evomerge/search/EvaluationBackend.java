package dev.evomerge.search;

import dev.evomerge.UserError;
import java.util.List;
import java.util.Objects;

/**
 * Where the candidates of a batch (a generation, or the points of a sweep) are evaluated: on worker threads of this
 * process ({@link LocalBackend}, the default) or on the workers of a cluster. The {@link SearchLoop} hands a backend
 * one batch at a time and keeps the journal, the progress and resume to itself; a backend only evaluates.
 */
public interface EvaluationBackend extends AutoCloseable {

    /**
     * Fresh genomes of one generation, none of them journaled yet.
     *
     * @param generation the strategy's batch number (0-based)
     * @param pruneBelow the frozen k-th best fitness of earlier generations ({@code -Infinity}: never prune)
     */
    record Batch(int generation, List<Genome> genomes, double pruneBelow) {
        public Batch {
            genomes = List.copyOf(genomes);
            if (generation < 0) {
                throw new IllegalArgumentException("generation must be at least 0, but was " + generation);
            }
        }
    }

    /** Receives each candidate's outcome as it finishes; {@code index} is its position in the batch. */
    @FunctionalInterface
    interface Sink {
        void finished(int index, CandidateEvaluator.Evaluation outcome);
    }

    /**
     * Evaluates every genome of {@code batch} and returns once {@code sink} was called exactly once for each. Calls
     * to {@code sink} may come from several threads. A failure (a user error on a worker, say) is thrown after the
     * candidates already in flight were reported or abandoned.
     */
    void evaluate(Batch batch, Sink sink);

    /** What the journal calls this backend, e.g. {@code local (2 workers)}. */
    String describe();

    @Override
    void close();

    /**
     * Decodes {@code genome} in {@code space} and scores it with {@code evaluator}: what every backend does per
     * candidate, so that a genome gets the same outcome wherever it is evaluated. A genome the space cannot decode is
     * rejected, not failed.
     */
    static CandidateEvaluator.Evaluation evaluateOne(SearchSpace space, CandidateEvaluator evaluator, Genome genome,
                                                  double pruneBelow) {
        Objects.requireNonNull(evaluator, "evaluator");
        Candidate c;
        try {
            c = space.decode(genome);
        } catch (UserError | IllegalArgumentException e) {
            return CandidateEvaluator.Evaluation.rejected("cannot decode the genome: " + e.getMessage(), 0);
        }
        return evaluator.evaluate(c, pruneBelow);
    }
}
