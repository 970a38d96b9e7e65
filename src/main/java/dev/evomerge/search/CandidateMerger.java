package dev.evomerge.search;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import dev.evomerge.checkpoint.L2Distance;
import dev.evomerge.merge.MergeEngine;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.MergePlanner;
import dev.evomerge.merge.NonFinite;
import dev.evomerge.merge.Sources;
import dev.evomerge.merge.TensorTask;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.model.LayerPath;
import dev.evomerge.model.ModelConfig;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Turns candidates into runtime weights in memory, for every worker of a run: source checkpoints are mapped once per
 * run and kept open, tensors a recipe leaves unchanged are views of those mappings, and merged tensors are shared
 * across candidates through a {@link TensorCache}. Thread-safe.
 */
public final class CandidateMerger implements AutoCloseable {

    /** Ceiling on the candidate's L2 distance from the base, absolute or relative to ‖base‖. */
    public record L2Ceiling(double max, boolean relative) {
        public L2Ceiling {
            if (!(max >= 0) || !Double.isFinite(max)) {
                throw new IllegalArgumentException("L2 ceiling must be finite and >= 0, but was " + max);
            }
        }
    }

    /**
     * A candidate's weights, ready for the runtime: the layer path through {@code sources} (identity over the merged
     * tensors for a parameter-space candidate). Close after the model no longer uses it.
     */
    public record Merged(ModelConfig config, List<TensorSource> sources, LayerPath path, InMemoryTensors owned,
                         double seconds) implements AutoCloseable {
        @Override
        public void close() {
            if (owned != null) {
                owned.close();
            }
        }
    }

    private final Path recipeDirectory;
    private final MergeEngine engine;
    private final TensorCache cache;
    private final Path base;
    private final L2Ceiling ceiling;
    private final UnaryOperator<Path> locate;
    private final Map<String, Checkpoint> opened = new HashMap<>();

    /**
     * @param recipeDirectory directory relative model paths in candidates resolve against (the search space file's)
     * @param mergeThreads    threads of the merge engine
     * @param cache           merged-tensor cache shared by the run's candidates
     * @param base            the base checkpoint for the L2 ceiling, or null
     * @param ceiling         the L2 ceiling, or null for none
     */
    public CandidateMerger(Path recipeDirectory, int mergeThreads, TensorCache cache, Path base, L2Ceiling ceiling) {
        this(recipeDirectory, mergeThreads, cache, base, ceiling, UnaryOperator.identity());
    }

    /**
     * A merger whose model paths (as the recipes and the search space name them) are found at {@code locate(path)}:
     * on a cluster worker, the coordinator's paths map to where this machine holds the same checkpoints.
     */
    public CandidateMerger(Path recipeDirectory, int mergeThreads, TensorCache cache, Path base, L2Ceiling ceiling,
                           UnaryOperator<Path> locate) {
        this.locate = Objects.requireNonNull(locate, "locate");
        this.recipeDirectory = recipeDirectory.toAbsolutePath().normalize();
        this.engine = new MergeEngine(mergeThreads);
        this.cache = Objects.requireNonNull(cache, "cache");
        this.base = base == null ? null : base.toAbsolutePath().normalize();
        this.ceiling = ceiling;
        if (ceiling != null && base == null) {
            throw new IllegalArgumentException("an L2 ceiling needs a base model");
        }
    }

    public Path recipeDirectory() {
        return recipeDirectory;
    }

    public MergeEngine engine() {
        return engine;
    }

    public TensorCache cache() {
        return cache;
    }

    /** The checkpoint at {@code dir}, opened on first use and kept open until this merger is closed. */
    public synchronized Checkpoint checkpoint(Path dir) {
        if (dir.toString().contains("+")) {
            return checkpoint(new ModelRef(dir.toString()), recipeDirectory); // a LoRA source, base+adapter
        }
        return checkpoint(dir, null);
    }

    /** The checkpoint at {@code dir} with the LoRA adapter in {@code adapter} (null for none) folded in. */
    public synchronized Checkpoint checkpoint(Path dir, Path adapter) {
        Path key = locate.apply(dir.toAbsolutePath().normalize());
        Path adapterKey = adapter == null ? null : locate.apply(adapter.toAbsolutePath().normalize());
        String id = adapterKey == null ? key.toString() : key + "+" + adapterKey;
        Checkpoint c = opened.get(id);
        if (c == null) {
            c = Checkpoint.open(key, adapterKey);
            opened.put(id, c);
        }
        return c;
    }

    /** The checkpoint a recipe's model reference names (base+adapter folded), relative to {@code directory}. */
    Checkpoint checkpoint(ModelRef ref, Path directory) {
        return checkpoint(ref.resolve(directory), ref.resolveAdapter(directory).orElse(null));
    }

    public LoadedRecipe loaded(Recipe recipe, String name) {
        return new LoadedRecipe(recipe, name, recipeDirectory);
    }

    /** The recipe's sources from the run's open checkpoints (closing the result closes nothing). */
    public Sources sources(LoadedRecipe recipe) {
        Map<ModelRef, Checkpoint> map = new LinkedHashMap<>();
        for (ModelRef ref : recipe.recipe().referencedModels()) {
            Path dir = recipe.resolve(ref);
            if (!java.nio.file.Files.isDirectory(locate.apply(dir))) {
                throw new UserError(recipe.sourceName() + ": model '" + ref + "' not found at " + dir);
            }
            map.put(ref, checkpoint(ref, recipe.baseDirectory()));
        }
        return Sources.of(map);
    }

    /** Plans {@code recipe} against the open sources; a recipe the planner refuses is a UserError naming why. */
    public MergePlan plan(Recipe recipe, String name) {
        LoadedRecipe loaded = loaded(recipe, name);
        return MergePlanner.plan(loaded, sources(loaded));
    }

    /**
     * Materializes a candidate. Throws {@link Rejected} for cheap rejections (the planner refuses the recipe, the
     * merge produces NaN/Inf, or the L2 ceiling is exceeded), before any inference.
     */
    public Merged materialize(Candidate candidate, String name) {
        return materialize(candidate, name, this::materialize);
    }

    /**
     * As {@link #materialize(Candidate, String)}, but merged tensors are in the recipe's output dtype, as a written
     * checkpoint holds them (for exporting a layer path over the merged model).
     */
    public Merged materializeAsWritten(Candidate candidate, String name) {
        return materialize(candidate, name, plan -> engine.materialize(plan, MergeEngine.Progress.NONE));
    }

    private Merged materialize(Candidate candidate, String name, Function<MergePlan, InMemoryTensors> merge) {
        long t0 = System.nanoTime();
        InMemoryTensors merged = null;
        ModelConfig mergedConfig = null;
        try {
            if (candidate.recipe() != null) {
                MergePlan plan;
                try {
                    plan = plan(candidate.recipe(), name);
                } catch (UserError e) {
                    throw new Rejected("invalid recipe: " + e.getMessage());
                }
                try {
                    merged = merge.apply(plan);
                } catch (NonFinite.Error e) {
                    throw new Rejected("non-finite weights: " + e.getMessage());
                }
                mergedConfig = ModelConfig.fromJson(plan.config());
                checkCeiling(merged);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (candidate.layerPath() == null) {
                return new Merged(mergedConfig, List.of(merged), LayerPath.identity(mergedConfig.numLayers()), merged,
                        seconds);
            }
            List<TensorSource> sources = new ArrayList<>();
            ModelConfig config = null;
            for (String ref : candidate.pathSources()) {
                if (Candidate.MERGED.equals(ref)) {
                    if (merged == null) {
                        throw new Rejected("the layer path names the merged model but the candidate has no recipe");
                    }
                    sources.add(merged);
                    config = config == null ? mergedConfig : config;
                } else {
                    Checkpoint c = checkpoint(new ModelRef(ref), recipeDirectory);
                    sources.add(c);
                    config = config == null ? ModelConfig.fromJson(c.config()) : config;
                }
            }
            return new Merged(config, List.copyOf(sources), candidate.layerPath(), merged, seconds);
        } catch (RuntimeException e) {
            if (merged != null) {
                merged.close();
            }
            throw e;
        }
    }

    /** A cheap rejection before inference; the message is the journal's reason. */
    public static final class Rejected extends RuntimeException {
        public Rejected(String reason) {
            super(reason);
        }
    }

    private void checkCeiling(InMemoryTensors merged) {
        if (ceiling == null) {
            return;
        }
        L2Distance.Value r = L2Distance.l2(merged, checkpoint(base));
        double measured = ceiling.relative() ? r.relative() : r.distance();
        if (measured > ceiling.max()) {
            throw new Rejected(String.format(java.util.Locale.ROOT, "L2 distance from the base%s %.6g exceeds the "
                    + "ceiling %.6g", ceiling.relative() ? " / ||base||" : "", measured, ceiling.max()));
        }
    }

    /**
     * The candidate's weights for the runtime. Tensors the recipe copies unchanged in their own dtype stay views of
     * the mapped sources; every other tensor is merged (or taken from the run's cache when an earlier candidate made
     * it from the same inputs) into float32 rounded to the recipe's output dtype, which the runtime wraps without a
     * copy: exactly the values the written checkpoint would give, at 4 bytes per parameter in all. Sources' pages a
     * merge read are dropped from the resident set afterwards (clean page cache; docs/memory.md).
     */
    InMemoryTensors materialize(MergePlan plan) {
        InMemoryTensors out = new InMemoryTensors();
        try {
            for (TensorTask t : plan.tasks()) {
                TensorTask.Input first = t.models().getFirst();
                if (t.isCopy() && first.info().dtype() == t.output().dtype()) {
                    engine.checkCopy(t);
                    out.putView(t.output(), first.source().bytes(first.name()));
                    continue;
                }
                TensorCache.Lease lease = cache.lease(t, arena -> engine.mergeToFloat32(t, arena));
                out.putView(new TensorInfo(t.output().name(), DType.F32, t.output().shape()), lease.bytes(), lease);
                t.releaseInputPages();
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        engine.close();
        opened.values().forEach(Checkpoint::close);
        opened.clear();
    }
}
