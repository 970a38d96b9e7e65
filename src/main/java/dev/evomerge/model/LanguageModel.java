package dev.evomerge.model;

import java.util.List;
import java.util.Objects;

/**
 * What evaluation needs from a model: lm-evaluation-harness's three request types. Implementations batch internally;
 * results come back in request order.
 */
public interface LanguageModel extends AutoCloseable {

    /** A continuation to score given its context (multiple choice: one request per choice). */
    record Continuation(String context, String continuation) {
        public Continuation {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(continuation, "continuation");
        }
    }

    /**
     * Sum of natural-log probabilities of the continuation's tokens, their count, and whether greedy decoding
     * would have produced exactly those tokens.
     */
    record LogLikelihood(double logProb, int tokens, boolean greedy) {}

    /** Limits for greedy generation; generation stops at the first stop string, which is not included. */
    record Generation(int maxNewTokens, List<String> stop) {
        public Generation {
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("maxNewTokens must be at least 1, but was " + maxNewTokens);
            }
            stop = List.copyOf(stop);
        }
    }

    List<LogLikelihood> logLikelihood(List<Continuation> requests);

    /** Log-likelihood of each whole text (for perplexity), scored from the beginning of sequence. */
    List<LogLikelihood> rollingLogLikelihood(List<String> texts);

    /** Greedy continuations of each prompt, with the stop string and anything after it removed. */
    List<String> generate(List<String> prompts, Generation limits);

    @Override
    void close();
}
