package dev.evomerge.search;

import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.model.LayerPath;
import java.util.List;
import java.util.Objects;

/**
 * What a genome decodes to. Parameter-space (PS) search yields a recipe; data-flow-space (DFS) search (Akiba et al.
 * 2024) yields a layer path over {@code pathSources} (the source models, or the PS-merged model for PS+DFS, written
 * as the literal source name {@link #MERGED}); PS+DFS yields both.
 *
 * @param recipe      the merge recipe, or null for pure DFS
 * @param layerPath   the layer path, or null for pure PS
 * @param pathSources model references (recipe model paths, or {@link #MERGED}) indexed by the path's source ids
 */
public record Candidate(Recipe recipe, LayerPath layerPath, List<String> pathSources) {
    public static final String MERGED = "<merged>";

    public Candidate {
        if (recipe == null && layerPath == null) {
            throw new IllegalArgumentException("a candidate needs a recipe, a layer path or both");
        }
        pathSources = pathSources == null ? List.of() : List.copyOf(pathSources);
        if (layerPath != null && pathSources.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs its source models");
        }
    }

    public static Candidate of(Recipe recipe) {
        return new Candidate(Objects.requireNonNull(recipe, "recipe"), null, null);
    }
}
