package dev.evomerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.SyntheticCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench lora} on a tiny model: every projection adapted, one line per repeat; the second run reuses the files. */
class LoraBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void reportsTheCopyAndTheFoldedReadOfATinyModel() {
        SyntheticCheckpoints.Dims dims = new SyntheticCheckpoints.Dims(64, 32, 48, 2, 4, 2, false, false);
        List<String> log = new ArrayList<>();
        LoraBenchmark.Report r = LoraBenchmark.run(new LoraBenchmark.Settings(dir, dims, 4, 2), log::add);
        assertEquals(1, log.size(), "the base is generated once: " + log);
        // q, k, v, o (32x32, 2x(16x32) with 2 of 4 heads' keys and values, 32x32), gate, up (48x32), down (32x48).
        assertEquals(2L * (32 * 32 * 2 + 16 * 32 * 2 + 48 * 32 * 3), r.adapted());
        assertEquals(2, r.lines().size());
        r.lines().forEach(l -> assertTrue(l.matches(r.params() + " params \\(.*, r 4\\): copy .* GB/s wall, .* "
                + "folded read .* bytes/param"), l));
        LoraBenchmark.Report again = LoraBenchmark.run(new LoraBenchmark.Settings(dir, dims, 4, 1), log::add);
        assertEquals(1, log.size(), "nothing generated again: " + log);
        assertEquals(r.adapted(), again.adapted());
    }
}
