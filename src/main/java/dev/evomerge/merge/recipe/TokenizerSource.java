package dev.evomerge.merge.recipe;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the merged model's vocabulary comes from (mergekit's {@code tokenizer_source} / {@code tokenizer.source}):
 * {@code union} of all inputs, the {@code base} model's, or one named model's.
 */
public record TokenizerSource(String value) {
    public static final TokenizerSource UNION = new TokenizerSource("union");
    public static final TokenizerSource BASE = new TokenizerSource("base");

    public TokenizerSource {
        Objects.requireNonNull(value, "value");
        if (!value.equals("union") && !value.equals("base")) {
            new ModelRef(value);
        }
    }

    public static TokenizerSource of(ModelRef model) {
        return new TokenizerSource(model.path());
    }

    /** The model whose vocabulary is used, unless this is {@code union} or {@code base}. */
    public Optional<ModelRef> model() {
        return value.equals("union") || value.equals("base") ? Optional.empty() : Optional.of(new ModelRef(value));
    }

    @Override
    public String toString() {
        return value;
    }
}
