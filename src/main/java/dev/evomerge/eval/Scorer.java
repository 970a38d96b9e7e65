package dev.evomerge.eval;

import dev.evomerge.model.LanguageModel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Scores a checkpoint directory on a suite slice through the cache: the model is hashed, and opened only when the
 * (model, suite, slice, limit) score is not cached yet. Shared by the eval and gate commands.
 */
public final class Scorer {
    private final ModelProvider models;
    private final SuiteRunner evaluator;
    private final ResultCache cache;

    /** {@code cache} may be null to always recompute (and store nothing). */
    public Scorer(ModelProvider models, SuiteRunner evaluator, ResultCache cache) {
        this.models = Objects.requireNonNull(models, "models");
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
        this.cache = cache;
    }

    /** A score and whether it came from the cache. */
    public record Scored(SuiteResult result, boolean cached) {}

    public Scored score(Path modelDir, String role, Suite suite, String slice, int limit) {
        ModelProvider.requireDirectory(modelDir, role);
        suite.requireSlice(slice);
        String hash = models.contentHash().apply(modelDir);
        return score(hash, () -> models.open().apply(modelDir), suite, slice, limit);
    }

    /**
     * Scores a checkpoint directory and fills {@code log} with every example's record: the model always runs (the
     * cache keeps scores, not examples); the scores are stored in the cache as usual.
     */
    public SuiteResult scoreLogged(Path modelDir, String role, Suite suite, String slice, int limit, SampleLog log) {
        ModelProvider.requireDirectory(modelDir, role);
        suite.requireSlice(slice);
        String hash = models.contentHash().apply(modelDir);
        return score(hash, () -> models.open().apply(modelDir), suite, slice, limit, Objects.requireNonNull(log))
                .result();
    }

    /** Scores a model already identified by {@code modelHash}; {@code open} is called only on a cache miss. */
    public Scored score(String modelHash, java.util.function.Supplier<LanguageModel> open, Suite suite, String slice,
            int limit) {
        return score(modelHash, open, suite, slice, limit, null);
    }

    private Scored score(String modelHash, java.util.function.Supplier<LanguageModel> open, Suite suite, String slice,
            int limit, SampleLog log) {
        if (cache != null && log == null) {
            Optional<SuiteResult> hit = cache.load(modelHash, suite.hash(), slice, limit);
            if (hit.isPresent()) {
                return new Scored(hit.get(), true);
            }
        }
        SuiteResult r;
        try (LanguageModel model = open.get()) {
            r = evaluator.evaluate(model, modelHash, suite, slice, limit, log);
        }
        if (cache != null) {
            cache.store(r);
        }
        return new Scored(r, false);
    }
}
