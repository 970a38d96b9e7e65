package dev.evomerge.merge.recipe;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One output slice of a {@code slices:} recipe: its sources are merged layer by layer into {@link #length()} output
 * layers. {@code baseModel} overrides the recipe's base model for this slice (null: use the recipe's).
 * {@code residualWeight} is accepted because mergekit's schema has it, and ignored, as mergekit ignores it (null when
 * absent).
 */
public record Slice(List<SliceSource> sources, ModelRef baseModel, Double residualWeight,
                    Map<String, ParameterValue> parameters) {
    public Slice {
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a slice needs at least one source");
        }
        int length = sources.getFirst().length();
        Set<ModelRef> seen = new HashSet<>();
        for (int i = 0; i < sources.size(); i++) {
            SliceSource s = sources.get(i);
            if (s.length() != length) {
                throw new IllegalArgumentException("sources[" + i + "] covers " + s.length() + " layers but sources[0] covers "
                        + length + "; all sources of a slice must cover the same number of layers");
            }
            if (!seen.add(s.model())) {
                throw new IllegalArgumentException("sources[" + i + "] repeats model '" + s.model()
                        + "'; each model may appear once per slice");
            }
        }
        if (residualWeight != null && !Double.isFinite(residualWeight)) {
            throw new IllegalArgumentException("residual_weight must be a finite number, but was " + residualWeight);
        }
        parameters = Parameters.copy(parameters);
    }

    public Slice(List<SliceSource> sources) {
        this(sources, null, null, Map.of());
    }

    public Slice(List<SliceSource> sources, Map<String, ParameterValue> parameters) {
        this(sources, null, null, parameters);
    }

    /** Number of output layers this slice produces. */
    public int length() {
        return sources.getFirst().length();
    }
}
