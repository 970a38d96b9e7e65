package dev.evomerge.eval;

import dev.evomerge.model.LanguageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleBiFunction;

/** A deterministic stand-in for a model: hand-specified generations and log-probabilities; records every request. */
public final class FakeModel implements LanguageModel {
    private final Function<String, String> generations;
    private final ToDoubleBiFunction<String, String> logProbs;
    private final Function<String, LogLikelihood> rolling;
    public final List<String> prompts = new ArrayList<>();
    public final List<Continuation> continuations = new ArrayList<>();
    public final List<Generation> limits = new ArrayList<>();
    public boolean closed;

    public FakeModel(Function<String, String> generations, ToDoubleBiFunction<String, String> logProbs,
            Function<String, LogLikelihood> rolling) {
        this.generations = generations;
        this.logProbs = logProbs;
        this.rolling = rolling;
    }

    @Override
    public List<LogLikelihood> logLikelihood(List<Continuation> requests) {
        continuations.addAll(requests);
        return requests.stream()
                .map(r -> new LogLikelihood(logProbs.applyAsDouble(r.context(), r.continuation()), 1, false)).toList();
    }

    @Override
    public List<LogLikelihood> rollingLogLikelihood(List<String> texts) {
        return texts.stream().map(rolling).toList();
    }

    @Override
    public List<String> generate(List<String> prompts, Generation limits) {
        this.prompts.addAll(prompts);
        this.limits.add(limits);
        return prompts.stream().map(generations).toList();
    }

    @Override
    public void close() {
        closed = true;
    }
}
