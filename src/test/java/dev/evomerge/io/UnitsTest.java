package dev.evomerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void ratesOfSmallModelsAreNotRoundedToZero() {
        assertEquals("0.5 MB/s", Units.rate(5e5));
        assertEquals("540.0 MB/s", Units.rate(5.4e8));
        assertEquals("1.00 GB/s", Units.rate(1e9));
        assertEquals("12.35 GB/s", Units.rate(12.345e9));
    }

    @Test
    void sizesInDecimalUnits() {
        assertEquals("999 B", Units.bytes(999));
        assertEquals("1.00 kB", Units.bytes(1000));
        assertEquals("1.07 GB", Units.bytes(1_070_000_000L));
        assertEquals("9223.37 PB", Units.bytes(Long.MAX_VALUE));
        assertEquals("1:00:01", Units.clock(Duration.ofSeconds(3601)));
    }
}
