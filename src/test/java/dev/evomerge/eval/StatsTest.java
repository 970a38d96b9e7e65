package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    private static final double Z = Stats.Z95;

    @Test
    void wilsonMatchesPublishedValueForFiveOfTen() {
        // Brown, Cai & DasGupta (2001) style tables: Wilson 95% for 5/10 is [0.2366, 0.7634].
        Stats.Interval ci = Stats.wilson(5, 10, Z);
        assertEquals(0.236593, ci.low(), 1e-6);
        assertEquals(0.763407, ci.high(), 1e-6);
    }

    @Test
    void wilsonEndpointsHaveClosedForms() {
        // k = 0: [0, z²/(n+z²)]; k = n: [n/(n+z²), 1].
        Stats.Interval zero = Stats.wilson(0, 10, Z);
        assertEquals(0.0, zero.low(), 0.0);
        assertEquals(Z * Z / (10 + Z * Z), zero.high(), 1e-15);
        Stats.Interval all = Stats.wilson(10, 10, Z);
        assertEquals(10 / (10 + Z * Z), all.low(), 1e-15);
        assertEquals(1.0, all.high(), 0.0);
        // One trial, one success: [1/(1+z²), 1].
        assertEquals(1 / (1 + Z * Z), Stats.wilson(1, 1, Z).low(), 1e-15);
    }

    @Test
    void wilsonIsSymmetricUnderSuccessFailureSwap() {
        for (int k = 0; k <= 7; k++) {
            Stats.Interval a = Stats.wilson(k, 7, Z);
            Stats.Interval b = Stats.wilson(7 - k, 7, Z);
            assertEquals(a.low(), 1 - b.high(), 1e-12);
            assertEquals(a.high(), 1 - b.low(), 1e-12);
            assertTrue(a.low() <= k / 7.0 && k / 7.0 <= a.high());
        }
    }

    @Test
    void wilsonRefusesImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> Stats.wilson(3, 2, Z));
        assertThrows(IllegalArgumentException.class, () -> Stats.wilson(0, 0, Z));
    }

    @Test
    void meanStderrUsesTheSampleStandardDeviation() {
        // [1,2,3,4]: mean 2.5, sample variance 5/3, stderr sqrt(5/3)/2.
        assertEquals(Math.sqrt(5.0 / 3) / 2, Stats.meanStderr(new double[] {1, 2, 3, 4}), 1e-15);
        assertTrue(Double.isNaN(Stats.meanStderr(new double[] {1})));
    }

    @Test
    void binaryStderrEqualsMeanStderrOfZerosAndOnes() {
        // 3 of 4: sqrt(0.75 * 0.25 / 3) = 0.25 exactly.
        assertEquals(0.25, Stats.binaryStderr(3, 4), 1e-15);
        assertEquals(Stats.meanStderr(new double[] {1, 0, 1, 1, 0, 0, 1}), Stats.binaryStderr(4, 7), 1e-15);
        assertEquals(0.0, Stats.binaryStderr(5, 5), 0.0);
        assertTrue(Double.isNaN(Stats.binaryStderr(1, 1)));
    }

    @Test
    void ratioStandardErrorByHand() {
        // y = [-2, -6], x = [1, 2]: R = -8/3; residuals y - R x = [2/3, -2/3]; sum of squares 8/9;
        // se = sqrt(8/9 / (2*1)) / 1.5 = (2/3) / 1.5 = 4/9.
        Stats.Ratio r = Stats.ratio(new double[] {-2, -6}, new double[] {1, 2});
        assertEquals(-8.0 / 3, r.value(), 1e-15);
        assertEquals(4.0 / 9, r.stderr(), 1e-15);
        assertTrue(Double.isNaN(Stats.ratio(new double[] {-1}, new double[] {1}).stderr()));
    }
}
