package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The GPU check's comparison, run here with the CPU in float16 standing in for the GPU (same code path). */
class BenchDeviceCommandTest {
    @Test
    void comparesTheDevicesLogitsWithTheCpusAndReportsTokensPerSecond() {
        CommandRun r = CommandRun.main("bench", "device", "models/zoo/base", "--device", "cpu", "--dtype", "float16",
                "--batch", "2", "--seq-len", "16", "--iterations", "1", "--threads", "1");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu float32 +\\d+ tokens/s")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu float16 +\\d+ tokens/s +\\(\\d+\\.\\d\\dx the CPU\\)")),
                r.out());
        String verdict = r.out().lines()
                .filter(l -> l.startsWith("logits of 34 positions: max |(cpu float16) - (cpu float32)| "))
                .findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(verdict.endsWith(": PASS"), verdict);
        assertTrue(verdict.contains("argmax agrees at "), verdict);
    }

    @Test
    void cudaHereIsOneLineAndExitThree() {
        CommandRun r = CommandRun.main("bench", "device", "models/zoo/base", "--device", "cuda");
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().startsWith("evomerge: --device cuda:0: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void needsAModelOrSyntheticLayers() {
        assertEquals(2, CommandRun.main("bench", "device").exit());
        assertEquals(2, CommandRun.main("bench", "device", "models/zoo/base", "--synthetic", "9").exit());
    }
}
