package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.merge.MergeEngine;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.recipe.RecipeParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-wide tensor cache gives exactly the bytes the engine makes, and re-merges only what changed. */
class TensorCacheTest {
    @TempDir
    Path dir;

    private static final String RECIPE = """
            merge_method: ties
            base_model: base
            models:
              - model: a
                parameters: {weight: %s, density: 0.5}
              - model: b
                parameters: {weight: 0.5, density: 0.5}
            dtype: bfloat16
            """;

    @Test
    void cachedMaterializationIsBitIdenticalAndReusesUnchangedTensors() {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 3, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.BF16, 5);
        base.write(dir.resolve("base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        // Per-layer weight gradient for model a: changing the last anchor changes the tensors of later layers only.
        String first = RECIPE.formatted("[0.2, 0.2, 0.2]");
        String second = RECIPE.formatted("[0.2, 0.2, 0.9]");
        TensorCache cache = new TensorCache(64L << 20);
        try (CandidateMerger merger = new CandidateMerger(dir, 1, cache, null, null);
             MergeEngine plain = new MergeEngine(1)) {
            MergePlan p1 = merger.plan(RecipeParser.parse(first, "first"), "first");
            try (InMemoryTensors cached = merger.materialize(p1);
                 InMemoryTensors reference = plain.materialize(p1, MergeEngine.Progress.NONE)) {
                assertSameBytes(reference, cached);
            }
            long merged = cache.misses();
            assertEquals(0, cache.hits());
            assertTrue(merged > 0);
            MergePlan p2 = merger.plan(RecipeParser.parse(second, "second"), "second");
            try (InMemoryTensors cached = merger.materialize(p2);
                 InMemoryTensors reference = plain.materialize(p2, MergeEngine.Progress.NONE)) {
                assertSameBytes(reference, cached);
            }
            assertTrue(cache.hits() > 0, "layer 0 tensors reused");
            assertTrue(cache.misses() > merged, "changed layers merged again");
            assertEquals(cache.hits() + cache.misses() - merged, merged, "every merged tensor looked up once more");
        }
    }

    @Test
    void mergedTensorsAreFreedWhenTheirLastHolderLetsGo() {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 3, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.BF16, 5);
        base.write(dir.resolve("base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        TensorCache off = new TensorCache(0);
        TensorCache kept = new TensorCache(64L << 20);
        try (CandidateMerger noCache = new CandidateMerger(dir, 1, off, null, null);
             CandidateMerger cached = new CandidateMerger(dir, 1, kept, null, null)) {
            MergePlan p1 = noCache.plan(RecipeParser.parse(RECIPE.formatted("0.2"), "first"), "first");
            try (InMemoryTensors candidate = noCache.materialize(p1)) {
                assertTrue(off.liveBytes() > 0, "the candidate's merged tensors are alive while it is");
            }
            assertEquals(0, off.liveBytes(), "freed with the candidate, not when the GC runs");

            MergePlan p2 = cached.plan(RecipeParser.parse(RECIPE.formatted("0.2"), "first"), "first");
            MergePlan p3 = cached.plan(RecipeParser.parse(RECIPE.formatted("0.7"), "second"), "second");
            try (InMemoryTensors first = cached.materialize(p2)) {
                assertEquals(kept.bytes(), kept.liveBytes(), "kept tensors are the candidate's");
            }
            assertEquals(kept.bytes(), kept.liveBytes(), "kept after the candidate");
            try (InMemoryTensors second = cached.materialize(p3)) {
                kept.clear();
                assertTrue(kept.liveBytes() > 0, "a cleared tensor a candidate holds stays alive");
            }
            assertEquals(0, kept.liveBytes(), "freed once neither the cache nor a candidate holds it");
        }
    }

    /**
     * The runtime's tensors are the engine's, widened: float32 for what was merged (bit-equal to the BF16 output once
     * widened), the source's own bytes for what was copied.
     */
    private static void assertSameBytes(InMemoryTensors reference, InMemoryTensors runtime) {
        assertEquals(reference.names(), runtime.names());
        for (String n : reference.names()) {
            if (runtime.info(n).dtype() == reference.info(n).dtype()) {
                assertEquals(-1L, reference.bytes(n).mismatch(runtime.bytes(n)), n);
            } else {
                assertEquals(DType.F32, runtime.info(n).dtype(), n);
                assertArrayEquals(reference.readFloats(n), runtime.readFloats(n), n);
            }
        }
    }
}
