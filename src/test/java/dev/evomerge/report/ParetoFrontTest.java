package dev.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jenetics.ext.moea.Pareto;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParetoFrontTest {
    private static List<double[]> pts(double[]... p) {
        return List.of(p);
    }

    /** The definition written out, independent of Jenetics (maximization). */
    private static boolean dominates(double[] a, double[] b) {
        boolean strictly = false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] < b[k]) {
                return false;
            }
            strictly |= a[k] > b[k];
        }
        return strictly;
    }

    @Test
    void handWorkedTradeOff() {
        // (1,5) (2,4) (4,1) trade off; (2,3) is beaten by (2,4); (1,1) by everything; (3,3.5) is not beaten:
        // (2,4) is worse in x, (4,1) worse in y.
        boolean[] f = Plots.paretoFront(pts(new double[]{1, 5}, new double[]{2, 4}, new double[]{4, 1},
                new double[]{2, 3}, new double[]{1, 1}, new double[]{3, 3.5}));
        assertArrayEquals(new boolean[]{true, true, true, false, false, true}, f);
    }

    @Test
    void emptyAndSinglePoint() {
        assertArrayEquals(new boolean[0], Plots.paretoFront(List.of()));
        assertArrayEquals(new boolean[]{true}, Plots.paretoFront(pts(new double[]{0.3, -2})));
    }

    @Test
    void duplicatesOfAFrontPointAreAllOnTheFront() {
        assertArrayEquals(new boolean[]{true, true, false},
                Plots.paretoFront(pts(new double[]{1, 1}, new double[]{1, 1}, new double[]{0, 1})));
    }

    @Test
    void aTieInOneObjectiveWithAWorseOtherIsDominated() {
        assertArrayEquals(new boolean[]{true, false, false},
                Plots.paretoFront(pts(new double[]{2, 2}, new double[]{2, 1}, new double[]{1, 2})));
    }

    @Test
    void oneObjectiveKeepsOnlyTheMaxima() {
        assertArrayEquals(new boolean[]{false, true, true},
                Plots.paretoFront(pts(new double[]{1}, new double[]{3}, new double[]{3})));
    }

    @Test
    void threeObjectives() {
        // (1,1,1) is beaten by (1,1,2); the other three are pairwise incomparable.
        assertArrayEquals(new boolean[]{false, true, true, true},
                Plots.paretoFront(pts(new double[]{1, 1, 1}, new double[]{1, 1, 2}, new double[]{2, 0, 0},
                        new double[]{0, 2, 0})));
    }

    @Test
    void randomSetsSatisfyTheDefinition() {
        Random rnd = new Random(3);
        List<double[]> p = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // Coarse values make ties and duplicates common.
            p.add(new double[]{rnd.nextInt(6), rnd.nextInt(6)});
        }
        boolean[] f = Plots.paretoFront(p);
        for (int i = 0; i < p.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < p.size(); j++) {
                dominated |= dominates(p.get(j), p.get(i));
            }
            assertTrue(f[i] != dominated, "point " + i);
        }
        assertTrue(Pareto.dominance(new double[]{1, 2}, new double[]{1, 1}) > 0);
        assertFalse(Pareto.dominance(new double[]{1, 1}, new double[]{1, 1}) > 0);
    }

    @Test
    void refusesMixedLengthsAndNonFiniteValues() {
        assertThrows(IllegalArgumentException.class, () -> Plots.paretoFront(pts(new double[]{1, 2}, new double[]{1})));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.paretoFront(pts(new double[]{1, Double.NaN})));
        List<double[]> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> Plots.paretoFront(withNull));
    }
}
