package dev.evomerge.merge;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source checkpoints a recipe names, each mapped once and kept open for as many merges as the caller runs
 * (a search plans thousands of candidates over the same sources).
 */
public final class Sources implements AutoCloseable {
    private final Map<ModelRef, Checkpoint> checkpoints;

    private Sources(Map<ModelRef, Checkpoint> checkpoints) {
        this.checkpoints = checkpoints;
    }

    /** Opens every model {@code recipe} references; a missing or unreadable one is a UserError naming it. */
    public static Sources open(LoadedRecipe recipe) {
        Map<ModelRef, Checkpoint> opened = new LinkedHashMap<>();
        try {
            for (ModelRef ref : recipe.recipe().referencedModels()) {
                Path path = recipe.resolve(ref);
                if (!Files.exists(path)) {
                    throw new UserError(recipe.sourceName() + ": model '" + ref + "' not found at " + path
                            + " (evomerge reads local checkpoints only; nothing is downloaded)");
                }
                Path adapter = ref.resolveAdapter(recipe.baseDirectory()).orElse(null);
                if (adapter != null && !Files.exists(adapter)) {
                    throw new UserError(recipe.sourceName() + ": LoRA adapter of '" + ref + "' not found at " + adapter);
                }
                opened.put(ref, Checkpoint.open(path, adapter));
            }
            return new Sources(opened);
        } catch (RuntimeException e) {
            opened.values().forEach(Checkpoint::close);
            throw e;
        }
    }

    /** Wraps already open checkpoints (the caller keeps ownership unless it closes this). */
    public static Sources of(Map<ModelRef, Checkpoint> checkpoints) {
        return new Sources(new LinkedHashMap<>(checkpoints));
    }

    public Checkpoint get(ModelRef ref) {
        Checkpoint c = checkpoints.get(ref);
        if (c == null) {
            throw new IllegalArgumentException("model " + ref + " was not opened");
        }
        return c;
    }

    /** The opened checkpoints in the order the recipe first names them. */
    public Map<ModelRef, Checkpoint> all() {
        return java.util.Collections.unmodifiableMap(checkpoints);
    }

    @Override
    public void close() {
        checkpoints.values().forEach(Checkpoint::close);
    }
}
