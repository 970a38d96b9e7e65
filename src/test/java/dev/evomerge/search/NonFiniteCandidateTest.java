package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.merge.recipe.RecipeParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A candidate whose merge overflows is a cheap rejection with a reason (journaled), with and without the cache. */
class NonFiniteCandidateTest {
    @TempDir
    Path dir;

    @Test
    void anOverflowingCandidateIsRejectedNamingTheTensor() {
        var dims = new SyntheticCheckpoints.Dims(40, 16, 24, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.fineTune(1, 0.05).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        Candidate c = Candidate.of(RecipeParser.parse("""
                merge_method: linear
                parameters: {normalize: false}
                models:
                  - model: a
                    parameters: {weight: 1e308}
                  - model: b
                    parameters: {weight: 1.0}
                """, "overflow"));
        for (long cacheBytes : new long[] {0, 64L << 20}) {
            try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(cacheBytes), null, null)) {
                CandidateMerger.Rejected r = assertThrows(CandidateMerger.Rejected.class,
                        () -> merger.materialize(c, "candidate 1"));
                assertTrue(r.getMessage().startsWith("non-finite weights: merged tensor 'model.")
                        && r.getMessage().contains("overflowed float32"), r.getMessage());
            }
        }
    }
}
