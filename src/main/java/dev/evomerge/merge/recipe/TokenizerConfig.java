package dev.evomerge.merge.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * mergekit's {@code tokenizer:} block: the vocabulary source (default {@code union}), per-token embedding overrides,
 * and optional vocabulary padding.
 */
public record TokenizerConfig(TokenizerSource source, Map<String, TokenEmbedding> tokens, Integer padToMultipleOf) {
    public TokenizerConfig {
        Objects.requireNonNull(source, "source");
        tokens = tokens == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
        if (padToMultipleOf != null && padToMultipleOf <= 0) {
            throw new IllegalArgumentException("pad_to_multiple_of must be positive, but was " + padToMultipleOf);
        }
    }

    /** How one token's embedding is obtained; {@code source} null means mergekit's default fallback rules. */
    public record TokenEmbedding(EmbeddingSource source, boolean force) {
    }

    /** Where a token's embedding comes from: a model's own row for that token, another token's row, or zeros. */
    public sealed interface EmbeddingSource permits FromModel, ModelToken, Zero {
    }

    /** The row of the same token in {@code model}. */
    public record FromModel(ModelRef model) implements EmbeddingSource {
        public FromModel {
            Objects.requireNonNull(model, "model");
        }
    }

    /** The row of a given token (by id or by text, exactly one) in {@code model}. */
    public record ModelToken(ModelRef model, Integer tokenId, String token) implements EmbeddingSource {
        public ModelToken {
            Objects.requireNonNull(model, "model");
            if ((tokenId == null) == (token == null)) {
                throw new IllegalArgumentException("give exactly one of token_id or token");
            }
            if (tokenId != null && tokenId < 0) {
                throw new IllegalArgumentException("token_id must be >= 0, but was " + tokenId);
            }
        }
    }

    /** An all-zero row. */
    public record Zero() implements EmbeddingSource {
    }
}
