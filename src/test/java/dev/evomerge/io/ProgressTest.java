package dev.evomerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private long now;

    @Test
    void reportsRateAndEtaFromTheInjectedClock() {
        StringWriter sink = new StringWriter();
        Progress p = new Progress("eval", 100, new PrintWriter(sink), () -> now, Duration.ofSeconds(1), false);
        assertEquals("eval 0/100 0% ETA --", p.line(now));
        now = 10_000_000_000L;
        p.advance(25);
        // 25 in 10 s: 2.5/s, 75 left: 30 s.
        assertEquals("eval 25/100 25% 2.50/s ETA 0:00:30", sink.toString().strip());
        now = 4_000_000_000_000L;
        p.advance(75);
        p.close();
        String[] lines = sink.toString().split("\n");
        assertEquals("eval 100/100 100% 0.03/s", lines[1]);
        assertEquals("eval 100/100 done in 1:06:40", lines[2]);
    }

    @Test
    void updatesAreThrottled() {
        StringWriter sink = new StringWriter();
        Progress p = new Progress("x", 10, new PrintWriter(sink), () -> now, Duration.ofSeconds(1), false);
        for (int i = 0; i < 10; i++) {
            now += 300_000_000L;
            p.advance(1);
        }
        // Prints at 1.2 s, 2.4 s (each at least a second after the last print).
        assertEquals(2, sink.toString().lines().count(), sink.toString());
    }

    @Test
    void inPlaceRedrawsTheLine() {
        StringWriter sink = new StringWriter();
        Progress p = new Progress("x", 2, new PrintWriter(sink), () -> now, Duration.ZERO, true);
        now = 1_000_000_000L;
        p.advance(1);
        assertEquals("\rx 1/2 50% 1.00/s ETA 0:00:01\u001b[K", sink.toString());
    }

    @Test
    void aJobInBytesPrintsSizesAndAByteRate() {
        StringWriter sink = new StringWriter();
        Progress p = Progress.bytes("merging", 4_000_000_000L, new PrintWriter(sink), false);
        assertEquals("merging 0 B/4.00 GB 0% ETA --", p.line(System.nanoTime()));
        p.advanceTo(1_000_000_000L);
        p.advanceTo(500);
        assertEquals(1_000_000_000L, p.done(), "never fewer than before");
        assertTrue(p.line(System.nanoTime()).startsWith("merging 1.00 GB/4.00 GB 25% "), p.line(System.nanoTime()));
        assertTrue(p.line(System.nanoTime()).contains(" GB/s ETA ") || p.line(System.nanoTime()).contains(" MB/s ETA "),
                p.line(System.nanoTime()));
    }

    @Test
    void clockFormat() {
        assertEquals("0:00:00", Units.clock(Duration.ZERO));
        assertEquals("27:46:40", Units.clock(Duration.ofSeconds(100_000)));
        assertThrows(IllegalArgumentException.class, () -> new Progress("x", -1, null, () -> 0, Duration.ZERO, false));
    }
}
