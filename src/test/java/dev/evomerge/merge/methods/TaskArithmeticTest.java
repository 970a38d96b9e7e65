package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.close;
import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TaskArithmeticTest {
    private static final float[] ONES = f(1, 1, 1, 1);

    @Test
    void taskArithmeticGolden() {
        // d0 = (1, 2, 0, -1), d1 = (0, -2, 4, 0); 0.5 d0 + d1 = (0.5, -1, 4, -0.5)
        float[] out = in().base(ONES).model(f(2, 3, 1, 0), "weight", 0.5).model(f(1, -1, 5, 1), "weight", 1)
                .merge("task_arithmetic");
        assertArrayEquals(f(1.5, 0, 5, 0.5), out);
    }

    @Test
    void normalizeDividesByWeightSumAndLambdaScales() {
        float[] out = in().base(ONES).model(f(2, 3, 1, 0), "weight", 0.5).model(f(1, -1, 5, 1), "weight", 1)
                .global("normalize", true).global("lambda", 2).merge("task_arithmetic");
        float[] mixed = f(0.5, -1, 4, -0.5);
        float[] expected = new float[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = 1f + mixed[i] / 1.5f * 2f;
        }
        assertArrayEquals(expected, out);
        // lambda alone: base + 3 * mixed
        assertArrayEquals(f(2.5, -2, 13, -0.5), in().base(ONES).model(f(2, 3, 1, 0), "weight", 0.5)
                .model(f(1, -1, 5, 1), "weight", 1).global("lambda", 3).merge("task_arithmetic"));
    }

    @Test
    void zeroWeightsOrNoModelsReturnTheBase() {
        float[] base = Fixtures.random(11, 5000, 1);
        float[] a = Fixtures.random(12, 5000, 1);
        float[] b = Fixtures.random(13, 5000, 1);
        for (String m : new String[] {"task_arithmetic", "ties", "dare_linear", "dare_ties", "breadcrumbs"}) {
            assertArrayEquals(base, in().base(base).model(a, "weight", 0).model(b, "weight", 0)
                    .global("normalize", true).merge(m), m);
            assertArrayEquals(base, in().base(base).merge(m), m);
        }
    }

    @Test
    void tiesSignElectionGolden() {
        // per element: weighted deltas, elected sign = sign of their sum (>= 0 is +), mean of the agreeing ones
        float[] z = f(0, 0, 0, 0);
        float[] out = in().base(z).model(f(1, -2, 3, 1), "weight", 1).model(f(-1, 1, -1, 1), "weight", 1)
                .model(f(1, -3, -1, -1), "weight", 1).merge("ties");
        assertArrayEquals(f(1, -2.5, 3, 1), out);
        // weights enter the vote and the divisor: element 0 votes 2*1 - 1*3 < 0, so only model 1 counts
        float[] weighted = in().base(f(0)).model(f(1), "weight", 2).model(f(-1), "weight", 3).merge("ties");
        assertArrayEquals(f(-3.0 / 3), weighted);
    }

    @Test
    void tiesEqualAndOppositeDeltasElectPlus() {
        // sum is exactly 0, mergekit's (sum >= 0) elects +: only the positive delta survives, divisor 1
        assertArrayEquals(f(3, 1), in().base(f(1, 1)).model(f(3, 1), "weight", 1).model(f(-1, 1), "weight", 1)
                .merge("ties"));
        assertArrayEquals(f(3, 1), in().base(f(1, 1)).model(f(3, 1), "weight", 1).model(f(-1, 1), "weight", 1)
                .global("normalize", false).merge("ties"));
    }

    @Test
    void tiesAllZeroDeltasKeepTheBase() {
        float[] base = f(0.5, -2, 0);
        assertArrayEquals(base, in().base(base).model(base.clone(), "weight", 1).model(base.clone(), "weight", 1)
                .merge("ties"));
        assertArrayEquals(base, in().base(base).model(base.clone(), "weight", 1, "density", 0.5)
                .merge("dare_ties"));
    }

    @Test
    void tiesMagnitudeKeepsTopK() {
        // d = (0.1, -0.4, 0.3, -0.2), density 0.5: k = 2 keeps -0.4 and 0.3
        float[] out = in().base(f(0, 0, 0, 0)).model(f(0.1, -0.4, 0.3, -0.2), "weight", 1, "density", 0.5)
                .merge("ties");
        assertArrayEquals(f(0, -0.4, 0.3, 0), out);
    }

    @Test
    void equalMagnitudesAtTheThresholdKeepTheLaterIndices() {
        float[] out = in().base(f(0, 0, 0, 0)).model(f(0.5, -0.5, 0.5, 0.1), "weight", 1, "density", 0.5)
                .merge("ties");
        assertArrayEquals(f(0, -0.5, 0.5, 0), out);
    }

    @Test
    void densityThatKeepsNothingIsAUserError() {
        UserError e = assertThrows(UserError.class, () -> in().base(f(0, 0, 0, 0))
                .model(f(1, 2, 3, 4), "weight", 1, "density", 0.2).merge("ties"));
        assertTrue(e.getMessage().contains("density 0.2") && e.getMessage().contains("up_proj"), e.getMessage());
        assertThrows(UserError.class, () -> in().base(f(0)).model(f(1), "weight", 1, "density", -0.1)
                .merge("dare_ties"));
    }

    /** Reference: keep ascending ranks [lo, hi) of (|d|, index), by a full sort. */
    private static float[] windowReference(float[] base, float[] x, int lo, int hi) {
        int n = base.length;
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = x[i] - base[i];
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> Math.abs(d[i])).thenComparingInt(i -> i));
        float[] out = base.clone();
        for (int r = lo; r < hi; r++) {
            int i = order[r];
            out[i] = base[i] + d[i];
        }
        return out;
    }

    /** Deltas from a small set of magnitudes, so that thresholds fall inside long runs of ties. */
    private static float[] tiedModel(float[] base, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[base.length];
        float[] levels = {0f, 0.25f, 0.5f, 0.75f, 1f};
        for (int i = 0; i < x.length; i++) {
            float m = levels[r.nextInt(levels.length)];
            x[i] = base[i] + (r.nextBoolean() ? m : -m);
        }
        return x;
    }

    @Test
    void magnitudeSelectionMatchesAFullSortWithTiesAcrossChunksAndBlocks() {
        for (int n : new int[] {7, 2049, 150_001, 4 * MagnitudeSelect.SAMPLE + 5}) {
            float[] base = new float[n];
            float[] x = tiedModel(base, n);
            for (double density : n > 200_000 ? new double[] {0.37} : new double[] {0.1, 0.37, 0.5, 0.9}) {
                int k = (int) (density * n);
                if (k == 0) {
                    continue;
                }
                float[] expected = windowReference(base, x, n - k, n);
                for (Execution ex : new Execution[] {Fixtures.SCALAR_1, Fixtures.SIMD_4}) {
                    float[] out = in().base(base).model(x, "weight", 1, "density", density).global("normalize", false)
                            .merge("ties", ex);
                    assertArrayEquals(expected, out, "n=" + n + " density=" + density + " " + ex.simd());
                }
            }
        }
    }

    @Test
    void sampledSelectionAgreesWithRadixSelectionOrReportsAMiss() {
        int n = 4 * MagnitudeSelect.SAMPLE + 11;
        float[] base = Fixtures.random(91, n, 1);
        float[][] xs = {Fixtures.plus(base, Fixtures.random(92, n, 0.01)), tiedModel(base, 93),
            Fixtures.plus(base, Fixtures.random(94, n, 1e-3))};
        int[][] ranks = {{0, n / 3, n - 1}, {n / 2, n / 2 + 1}, {(int) (0.99 * n)}};
        MagnitudeSelect.Threshold[][] radix = MagnitudeSelect.findRadix(Fixtures.SIMD_4, base, xs, ranks);
        for (Execution ex : new Execution[] {Fixtures.SCALAR_1, Fixtures.SIMD_4}) {
            MagnitudeSelect.Threshold[][] sampled = MagnitudeSelect.findSampled(ex, base, xs, ranks, 4);
            for (int j = 0; j < xs.length; j++) {
                assertArrayEquals(radix[j], sampled[j], "model " + j);
            }
            // a negative width gives an empty band: every rank is reported missed...
            MagnitudeSelect.Threshold[][] narrow = MagnitudeSelect.findSampled(ex, base, xs, ranks, -1e9);
            for (int j = 0; j < xs.length; j++) {
                assertEquals(null, narrow[j], "model " + j);
            }
        }
        // ...and find falls back to the radix select for the missed models
        MagnitudeSelect.Threshold[][] fallback = MagnitudeSelect.find(Fixtures.SIMD_4, base, xs, ranks, -1e9);
        MagnitudeSelect.Threshold[][] found = MagnitudeSelect.find(Fixtures.SIMD_4, base, xs, ranks);
        for (int j = 0; j < xs.length; j++) {
            assertArrayEquals(radix[j], fallback[j]);
            assertArrayEquals(radix[j], found[j]);
        }
    }

    @Test
    void breadcrumbsDropsLargestGammaAndSmallest() {
        float[] d = f(1, -2, 3, -4, 5, -6, 7, -8, 9, -10);
        float[] zero = new float[10];
        // target 5, n_top 2, n_bot 3: keep magnitudes 4..8
        float[] out = in().base(zero).model(d, "weight", 1, "density", 0.5, "gamma", 0.2).merge("breadcrumbs");
        assertArrayEquals(f(0, 0, 0, -4, 5, -6, 7, -8, 0, 0), out);
        // density 0.8, gamma 0.5: n_bot = 10 - 8 - 5 < 0, so n_top = 2 and nothing small is dropped
        float[] capped = in().base(zero).model(d, "weight", 1, "density", 0.8, "gamma", 0.5).merge("breadcrumbs");
        assertArrayEquals(f(1, -2, 3, -4, 5, -6, 7, -8, 0, 0), capped);
        // gamma 0 keeps the top target (mergekit's [n_bot:-0] slice would keep nothing; see report)
        float[] noTop = in().base(zero).model(d, "weight", 1, "density", 0.3, "gamma", 0).merge("breadcrumbs");
        assertArrayEquals(f(0, 0, 0, 0, 0, 0, 0, -8, 9, -10), noTop);
    }

    @Test
    void breadcrumbsWindowMatchesAFullSortWithTies() {
        int n = 140_003;
        float[] base = Fixtures.random(21, n, 1);
        float[] x = tiedModel(base, 22);
        // recompute the deltas as the method sees them (x - base in float may round the tied levels apart)
        float[] expected = windowReference(base, x, (int) (n - (long) (0.6 * n) - (long) (0.05 * n)),
                n - (int) (0.05 * n));
        float[] out = in().base(base).model(x, "weight", 1, "density", 0.6, "gamma", 0.05).merge("breadcrumbs");
        assertArrayEquals(expected, out);
        assertArrayEquals(expected, in().base(base).model(x, "weight", 1, "density", 0.6, "gamma", 0.05)
                .merge("breadcrumbs", Fixtures.SCALAR_1));
    }

    @Test
    void densityOneMakesDareAndDellaDeterministicTaskArithmetic() {
        float[] base = Fixtures.random(31, 3000, 1);
        float[] a = Fixtures.random(32, 3000, 1);
        float[] b = Fixtures.random(33, 3000, 1);
        float[] ta = in().base(base).model(a, "weight", 0.7).model(b, "weight", 0.4).merge("task_arithmetic");
        assertArrayEquals(ta, in().base(base).model(a, "weight", 0.7, "density", 1).model(b, "weight", 0.4)
                .seed(1).merge("dare_linear"));
        assertArrayEquals(ta, in().base(base).model(a, "weight", 0.7).model(b, "weight", 0.4).seed(2)
                .merge("della_linear"));
        float[] ties = in().base(base).model(a, "weight", 0.7).model(b, "weight", 0.4).merge("ties");
        assertArrayEquals(ties, in().base(base).model(a, "weight", 0.7).model(b, "weight", 0.4)
                .global("normalize", true).merge("dare_ties"));
        assertArrayEquals(ties, in().base(base).model(a, "weight", 0.7).model(b, "weight", 0.4)
                .merge("della"));
    }

    /** Reference DARE on one model, weight 1, from the documented draw: keep iff u(i) < float(density). */
    private static float[] dareReference(float[] base, float[] x, double density, long seed, String name, int j) {
        long key = CounterRng.streamKey(seed, name, j);
        int n = base.length;
        float[] masked = new float[n];
        double l1 = 0;
        double l1Masked = 0;
        for (int i = 0; i < n; i++) {
            float d = x[i] - base[i];
            l1 += Math.abs(d);
            if (CounterRng.uniform(i, CounterRng.k1(key), CounterRng.k2(key)) < (float) density) {
                masked[i] = d;
                l1Masked += Math.abs(d);
            }
        }
        float factor = (float) l1 / (float) l1Masked;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = base[i] + masked[i] * factor;
        }
        return out;
    }

    @Test
    void dareRescalesByTheL1Ratio() {
        int n = 100_003;
        float[] base = Fixtures.random(41, n, 1);
        float[] x = Fixtures.plus(base, Fixtures.random(42, n, 0.01));
        Fixtures.In input = in().base(base).model(x, "weight", 1, "density", 0.3).seed(7);
        float[] expected = dareReference(base, x, 0.3, 7, input.name, 0);
        assertArrayEquals(expected, input.merge("dare_linear"));
        assertArrayEquals(expected, input.merge("dare_linear", Fixtures.SCALAR_1));
        // the L1 norm of the task vector is preserved (up to float rounding of the sums)
        double l1 = 0;
        double l1Out = 0;
        int kept = 0;
        float[] out = input.merge("dare_linear");
        for (int i = 0; i < n; i++) {
            l1 += Math.abs(x[i] - base[i]);
            l1Out += Math.abs(out[i] - base[i]);
            kept += out[i] != base[i] ? 1 : 0;
        }
        assertEquals(l1, l1Out, 1e-4 * l1);
        // about 30% kept: 5 standard deviations of a binomial
        assertEquals(0.3 * n, kept, 5 * Math.sqrt(n * 0.3 * 0.7));
    }

    @Test
    void l1FactorGoldenAndGuard() {
        assertEquals(2.5f, TaskArithmeticMerge.l1Factor(10, 4));
        assertEquals(1f, TaskArithmeticMerge.l1Factor(10, 5e-8));
        assertEquals(1f, TaskArithmeticMerge.l1Factor(5e-8, 3));
        assertEquals(10f / 3f, TaskArithmeticMerge.l1Factor(10, 3));
    }

    @Test
    void rescaleOffLeavesKeptDeltasUnscaled() {
        float[] base = new float[5000];
        float[] x = Fixtures.random(51, 5000, 1);
        float[] out = in().base(base).model(x, "weight", 1, "density", 0.5).global("rescale", false)
                .merge("dare_linear");
        for (int i = 0; i < x.length; i++) {
            assertTrue(out[i] == 0f || out[i] == x[i], "element " + i);
        }
    }

    @Test
    void dareIsReproducibleAcrossThreadsAndVariesWithSeedNameAndModel() {
        int n = 300_001;
        float[] base = Fixtures.random(61, n, 1);
        float[] x = Fixtures.plus(base, Fixtures.random(62, n, 0.01));
        Fixtures.In input = in().base(base).model(x, "weight", 0.5, "density", 0.2).model(x, "weight", 0.5,
                "density", 0.2).seed(99);
        float[] ref = input.merge("dare_ties", Fixtures.SCALAR_1);
        assertArrayEquals(ref, input.merge("dare_ties", Fixtures.SIMD_4));
        assertArrayEquals(ref, input.merge("dare_ties", Fixtures.SIMD_1));
        assertArrayEquals(ref, input.merge("dare_ties", Fixtures.SCALAR_4));
        assertFalse(Arrays.equals(ref, input.seed(100).merge("dare_ties")));
        assertFalse(Arrays.equals(ref, input.seed(99).name("other.weight").merge("dare_ties")));
        // the two models see different streams: identical inputs do not give identical masks
        float[] one = in().base(base).model(x, "weight", 1, "density", 0.2).seed(99).merge("dare_linear");
        float[] two = in().base(base).model(base, "weight", 1).model(x, "weight", 1, "density", 0.2).seed(99)
                .merge("dare_linear");
        assertFalse(Arrays.equals(one, two));
    }

    /** Reference DELLA on one model, weight 1: each fiber (flat indices) is ranked by a full sort. */
    private static float[] dellaReference(float[] base, float[] x, int[][] fibers, double density, double eps,
            long seed, String name) {
        long key = CounterRng.streamKey(seed, name, 0);
        float[] masked = new float[base.length];
        double l1 = 0;
        double l1Masked = 0;
        for (int[] fiber : fibers) {
            int c = fiber.length;
            Integer[] order = IntStream.range(0, c).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(k -> Math.abs(x[fiber[k]] - base[fiber[k]]))
                    .thenComparingInt(k -> k));
            for (int rank = 0; rank < c; rank++) {
                int i = fiber[order[rank]];
                float p = (float) rank / (float) (c - 1) * 2f * (float) eps + (float) (density - eps);
                if (CounterRng.uniform(i, CounterRng.k1(key), CounterRng.k2(key)) < p) {
                    masked[i] = x[i] - base[i];
                }
            }
        }
        for (int i = 0; i < base.length; i++) {
            l1 += Math.abs(x[i] - base[i]);
            l1Masked += Math.abs(masked[i]);
        }
        float factor = (float) l1 / (float) l1Masked;
        float[] out = new float[base.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = base[i] + masked[i] * factor;
        }
        return out;
    }

    private static int[][] rowsOf(int rows, int cols) {
        return IntStream.range(0, rows).mapToObj(r -> IntStream.range(r * cols, (r + 1) * cols).toArray())
                .toArray(int[][]::new);
    }

    @Test
    void dellaRanksWithinRowsAsDocumented() {
        int rows = 37;
        int cols = 1500;
        float[] base = Fixtures.random(71, rows * cols, 1);
        float[] x = tiedModel(base, 72);
        float[] expected = dellaReference(base, x, rowsOf(rows, cols), 0.4, 0.2, 5, "w");
        Fixtures.In input = in().name("w").shape(rows, cols).base(base).model(x, "weight", 1, "density", 0.4,
                "epsilon", 0.2).seed(5);
        assertArrayEquals(expected, input.merge("della_linear"));
        assertArrayEquals(expected, input.merge("della_linear", Fixtures.SCALAR_1));
    }

    @Test
    void dellaKeepsLargeMagnitudesMoreOften() {
        int n = 200_000;
        float[] base = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i + 1) * 1e-5f;
        }
        float[] out = in().base(base).model(x, "weight", 1, "density", 0.5, "epsilon", 0.4)
                .global("rescale", false).merge("della_linear");
        // rank = index here: p runs from 0.1 to 0.9, so the first tenth keeps about 14%, the last about 86%
        int low = 0;
        int high = 0;
        for (int i = 0; i < n / 10; i++) {
            low += out[i] != 0 ? 1 : 0;
            high += out[n - 1 - i] != 0 ? 1 : 0;
        }
        assertEquals(0.14 * n / 10, low, 0.02 * n / 10);
        assertEquals(0.86 * n / 10, high, 0.02 * n / 10);
    }

    @Test
    void dellaRejectsBadEpsilonAndSingleElementRows() {
        UserError e = assertThrows(UserError.class, () -> in().base(f(0, 0, 0)).model(f(1, 2, 3), "weight", 1,
                "density", 0.5, "epsilon", 0.5).merge("della"));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        assertThrows(UserError.class, () -> in().shape(3, 1).base(f(0, 0, 0)).model(f(1, 2, 3), "weight", 1,
                "density", 0.5).merge("della"));
        // density 0 keeps nothing: the base comes back
        assertArrayEquals(f(0, 0, 0), in().base(f(0, 0, 0)).model(f(1, 2, 3), "weight", 1, "density", 0)
                .merge("della"));
    }

    @Test
    void dellaRanksAlongDimensionOneOfA3dTensor() {
        // shape (2, 50, 3): mergekit argsorts along dim 1, i.e. fibers of 50 elements with stride 3
        float[] base = Fixtures.random(80, 300, 1);
        float[] x = tiedModel(base, 81);
        int[][] fibers = new int[6][50];
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 3; c++) {
                for (int b = 0; b < 50; b++) {
                    fibers[a * 3 + c][b] = (a * 50 + b) * 3 + c;
                }
            }
        }
        float[] expected = dellaReference(base, x, fibers, 0.5, 0.3, 9, "w3");
        Fixtures.In input = in().name("w3").shape(2, 50, 3).base(base)
                .model(x, "weight", 1, "density", 0.5, "epsilon", 0.3).seed(9);
        assertArrayEquals(expected, input.merge("della_linear"));
        // a 1-D tensor is a single row
        float[] flat = Fixtures.plus(base, Fixtures.random(82, 300, 0.1));
        assertArrayEquals(dellaReference(base, flat, rowsOf(1, 300), 0.5, 0.3, 9, "w3"),
                in().name("w3").base(base).model(flat, "weight", 1, "density", 0.5, "epsilon", 0.3).seed(9)
                        .merge("della_linear"));
    }

    @Test
    void simdAndScalarAgreeOnEdgeSizesForEverySparsifier() {
        int lanes = Kernels.FS.length();
        for (int n : new int[] {1, lanes - 1, lanes, lanes + 1, 2 * lanes + 3, 2049, 65_537}) {
            if (n < 1) {
                continue;
            }
            float[] base = Fixtures.random(n, n, 1);
            float[] a = Fixtures.plus(base, Fixtures.random(n + 1, n, 0.1));
            float[] b = tiedModel(base, n + 2);
            for (String m : new String[] {"task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
                "breadcrumbs_ties", "della", "della_linear"}) {
                double density = n < 10 ? 1.0 : 0.5;
                Fixtures.In input = in().base(base).model(a, "weight", 0.6, "density", density)
                        .model(b, "weight", -0.3, "density", density);
                if (m.startsWith("della") && n < 2) {
                    continue;
                }
                assertArrayEquals(input.merge(m, Fixtures.SCALAR_1), input.merge(m, Fixtures.SIMD_4), m + " n=" + n);
            }
        }
    }

    @Test
    void tiesSumsAreRoundedLikeTorch() {
        float[] base = f(0.3);
        float[] a = f(0.7);
        float[] b = f(1.9);
        float da = a[0] - base[0];
        float db = b[0] - base[0];
        float wa = 0.3f;
        float wb = 0.9f;
        float expected = base[0] + (da * wa + db * wb) / (wa + wb);
        close(new float[] {expected}, in().base(base).model(a, "weight", 0.3).model(b, "weight", 0.9).merge("ties"),
                0, 0);
    }
}
