package dev.evomerge.search.space;

import java.util.ArrayList;
import java.util.List;

/**
 * How many genes a parameter gets along the depth of the model: one for all layers ({@code global}), one per group of
 * {@code k} consecutive layers, or one per layer ({@code k = 1}). The last group may be shorter.
 *
 * @param groupSize layers per group; 0 means global
 */
public record Granularity(int groupSize) {
    public static final Granularity GLOBAL = new Granularity(0);
    public static final Granularity PER_LAYER = new Granularity(1);

    public Granularity {
        if (groupSize < 0) {
            throw new IllegalArgumentException("layers per group must be at least 1, but was " + groupSize);
        }
    }

    public static Granularity groupsOf(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("layers per group must be at least 1, but was " + k);
        }
        return new Granularity(k);
    }

    public boolean isGlobal() {
        return groupSize == 0;
    }

    /** Number of groups for a model of {@code numLayers} layers. */
    public int groups(int numLayers) {
        return isGlobal() ? 1 : (numLayers + groupSize - 1) / groupSize;
    }

    /** The group of layer {@code layer}. */
    public int groupOf(int layer) {
        return isGlobal() ? 0 : layer / groupSize;
    }

    /** First layer of each group, for {@code numLayers} layers. */
    public List<Integer> boundaries(int numLayers) {
        List<Integer> b = new ArrayList<>();
        for (int g = 0; g < groups(numLayers); g++) {
            b.add(isGlobal() ? 0 : g * groupSize);
        }
        return b;
    }

    /** Layers [first, last] of group {@code g}, for gene names. */
    public String label(int g, int numLayers) {
        if (isGlobal()) {
            return "";
        }
        int first = g * groupSize;
        int last = Math.min(numLayers, first + groupSize) - 1;
        return first == last ? "L" + first : "L" + first + "-" + last;
    }

    @Override
    public String toString() {
        return isGlobal() ? "global" : groupSize == 1 ? "per_layer" : "groups of " + groupSize + " layers";
    }
}
