package dev.evomerge.model;

import java.util.List;

/**
 * A data-flow merge (Akiba et al. 2024, "Evolutionary Optimization of Model Merging Recipes", sec. 3.2): the model's
 * layer sequence drawn from several source checkpoints of the same architecture, e.g. layer 3 of A, then layer 3 of
 * B, then layer 4 of A. Each position may scale its layer's residual contribution:
 * {@code h += scale * attn(norm(h)); h += scale * mlp(norm(h))}. Embeddings, final norm and LM head come from source 0.
 */
public record LayerPath(List<Step> steps) {

    /** One position of the path: layer {@code layer} of source {@code source}, residual scaled by {@code scale}. */
    public record Step(int source, int layer, double scale) {
        public Step {
            if (source < 0) {
                throw new IllegalArgumentException("source must be at least 0, but was " + source);
            }
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be at least 0, but was " + layer);
            }
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("scale must be finite, but was " + scale);
            }
        }
    }

    public LayerPath {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one step");
        }
    }

    /** Layers 0..n-1 of source 0, unscaled: the plain model. */
    public static LayerPath identity(int numLayers) {
        return new LayerPath(java.util.stream.IntStream.range(0, numLayers).mapToObj(i -> new Step(0, i, 1.0)).toList());
    }

    public int size() {
        return steps.size();
    }

    /** Sources used: one more than the largest source index. */
    public int sourceCount() {
        return steps.stream().mapToInt(Step::source).max().orElse(0) + 1;
    }
}
