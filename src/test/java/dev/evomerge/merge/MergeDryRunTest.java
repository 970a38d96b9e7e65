package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.io.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code merge --dry-run}: the plan on stdout, nothing on disk. */
class MergeDryRunTest {
    @TempDir
    Path dir;

    private List<Path> tree() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aDryRunPrintsEveryTensorTheBytesAndAnEstimateAndWritesNothing() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(40, 16, 24, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.BF16, 3);
        base.write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.5).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                merge_method: linear
                out_dtype: float32
                models:
                  - {model: a, parameters: {weight: 0.5}}
                  - {model: b, parameters: {weight: 0.5}}
                """);
        List<Path> before = tree();
        MergeCommandTest.Run r = MergeCommandTest.mergeIn(dir, recipe, dir.resolve("out"), "--dry-run");
        assertEquals(0, r.exit(), r.err());
        assertEquals(before, tree(), "nothing written");
        long tensorBytes = 0;
        List<String> names;
        try (Checkpoint a = Checkpoint.open(dir.resolve("a"))) {
            names = List.copyOf(a.names());
            for (String n : names) {
                tensorBytes += a.info(n).byteSize();
            }
        }
        assertTrue(r.out().contains("read " + Units.bytes(2 * tensorBytes) + " from 2 sources; write "
                + Units.bytes(2 * tensorBytes) + " (float32)"), "bf16 in from two models, float32 out: " + r.out());
        assertTrue(r.out().contains(names.size() + " tensors, 2 layers: linear=" + names.size()), r.out());
        for (String n : names) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(n + " ") && l.contains(" linear ")
                    && l.contains("a:" + n) && l.contains("b:" + n)), n + " in " + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  estimated time \\d+\\.\\d s .*")), r.out());
    }

    @Test
    void aDryRunOverAnExistingOutputSaysTheMergeNeedsOverwrite() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(40, 16, 24, 2, 4, 2, false, false);
        SyntheticCheckpoints.Model.base(dims, DType.F32, 3).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        Files.createDirectories(dir.resolve("out"));
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                merge_method: passthrough
                models:
                  - model: a
                """);
        MergeCommandTest.Run r = MergeCommandTest.mergeIn(dir, recipe, dir.resolve("out"), "--dry-run");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(dir.resolve("out") + " exists: the merge needs --overwrite"), r.out());
        assertTrue(r.out().contains(": copy="), r.out());
        assertFalse(Files.list(dir.resolve("out")).findAny().isPresent());
    }
}
