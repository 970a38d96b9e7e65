package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void clockFormat() {
        assertEquals("0:00:00", Progress.clock(Duration.ZERO));
        assertEquals("27:46:40", Progress.clock(Duration.ofSeconds(100_000)));
        assertThrows(IllegalArgumentException.class, () -> new Progress("x", -1, null, () -> 0, Duration.ZERO, false));
    }
}
