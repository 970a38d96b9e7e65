package dev.evomerge.merge.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;

/** Every Vector API kernel against its scalar twin, bit for bit, on the edge sizes. */
class KernelsTest {
    private static final int L = Kernels.FS.length();
    private static final int[] SIZES = {0, 1, L - 1, L, L + 1, 2 * L + 3, 333, Blocks.CHUNK};

    private static float[] data(long seed, int n) {
        float[] x = Fixtures.random(seed, n, 1);
        for (int i = 0; i < n; i += 7) {
            x[i] = 0f;
        }
        return x;
    }

    @FunctionalInterface
    private interface Kernel {
        void run(float[] out, boolean simd);
    }

    private static void agree(int n, Kernel k) {
        float[] scalar = new float[n];
        float[] simd = new float[n];
        k.run(scalar, false);
        k.run(simd, true);
        assertArrayEquals(scalar, simd, "n=" + n);
    }

    @Test
    void elementwiseKernels() {
        for (int n : SIZES) {
            float[][] xs = {data(1, n), data(2, n), data(3, n)};
            float[] w = {0.3f, -1.7f, 0.25f};
            float[] b = data(4, n);
            agree(n, (o, s) -> Kernels.weightedSum(xs, w, 0, n, o, true, -1.15f, s));
            agree(n, (o, s) -> Kernels.weightedSum(xs, w, 0, n, o, false, 0f, s));
            agree(n, (o, s) -> Kernels.scale(xs[0], 0.37f, 0, n, o, s));
            agree(n, (o, s) -> Kernels.interpolate(0.3f, xs[0], 0.8f, xs[1], null, 0, n, o, 0, s));
            agree(n, (o, s) -> Kernels.interpolate(0.3f, xs[0], 0.8f, xs[1], b, 0, n, o, 0, s));
            agree(n, (o, s) -> Kernels.interpolateColumns(data(5, n), data(6, n), 0, xs[0], xs[1], b, 0, n, o, 0, s));
            agree(n, (o, s) -> Kernels.stock(0.7f, 0.3f, b, xs, 0, n, o, 0, s));
        }
    }

    @Test
    void chunkKernels() {
        for (int n : SIZES) {
            float[] x = data(7, n);
            float[] b = data(8, n);
            long[] mask = new long[(n + 63) / 64];
            for (int i = 0; i < n; i++) {
                if (i % 3 != 1) {
                    mask[i >>> 6] |= 1L << i;
                }
            }
            int mid = n == 0 ? 0 : Kernels.magnitudeKey(x[n / 2] - b[n / 2]);
            agree(n, (o, s) -> Kernels.delta(x, b, 0, n, 1.5f, o, s));
            agree(n, (o, s) -> Kernels.keyWindow(x, b, 0, n, mid, Integer.MAX_VALUE, 2f, o, s));
            agree(n, (o, s) -> Kernels.keyWindow(x, b, 0, n, 0, mid, 1f, o, s));
            agree(n, (o, s) -> Kernels.bernoulli(x, b, 0, n, 0x1234567, 0x7654321, CounterRng.threshold(0.4f), 1.2f,
                    o, s));
            agree(n, (o, s) -> Kernels.masked(x, b, 0, n, mask, 0.5f, o, s));
            for (int lo : new int[] {1, 3, 63}) {
                if (lo < n) {
                    // Unaligned mask offsets: the SIMD path reads bits across words.
                    int len = n - lo;
                    float[] expected = new float[len];
                    for (int k = 0; k < len; k++) {
                        expected[k] = (lo + k) % 3 != 1 ? (x[lo + k] - b[lo + k]) * 0.5f : 0f;
                    }
                    for (boolean simd : new boolean[] {true, false}) {
                        float[] got = new float[len];
                        Kernels.masked(x, b, lo, len, mask, 0.5f, got, simd);
                        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, got, "lo=" + lo + " simd=" + simd);
                    }
                }
            }
            float[][] sd = {data(9, n), data(10, n), new float[n], data(11, n)};
            float[] w = {0.5f, 1f, 2f, 0f};
            float[] base = data(12, n);
            agree(n, (o, s) -> Kernels.combineLinear(sd, w, base, 0, n, true, 3.5f, 0.8f, o, s));
            agree(n, (o, s) -> Kernels.combineLinear(sd, w, base, 0, n, false, 1f, 1f, o, s));
            agree(n, (o, s) -> Kernels.combineConsensus(sd, w, base, 0, n, true, 1f, o, s));
            agree(n, (o, s) -> Kernels.combineConsensus(sd, w, base, 0, n, false, 2f, o, s));
            agree(n, (o, s) -> Kernels.combineConsensus(sd, w, base, 0, n, true, true, 0.7f, o, 0, s));
        }
    }

    @Test
    void keyWindowWithPartialTiesAgrees() {
        int n = Blocks.CHUNK;
        float[] b = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 5) * 0.25f * (i % 2 == 0 ? 1 : -1);
        }
        int key = Kernels.magnitudeKey(0.5f);
        KeyWindow w = new KeyWindow(key, Kernels.magnitudeKey(0.75f), 37, new int[] {0, 0}, 50,
                new int[] {0, 0});
        agree(n, (o, s) -> w.apply(x, b, 0, n, 1f, o, s));
    }

    @Test
    void vectorRngMatchesScalarRng() {
        int lanes = IntVector.SPECIES_PREFERRED.length();
        int[] out = new int[lanes];
        CounterRng.bits24(IntVector.zero(IntVector.SPECIES_PREFERRED).addIndex(1).add(1000), 0xdeadbeef, 0x1234)
                .intoArray(out, 0);
        for (int l = 0; l < lanes; l++) {
            assertEquals(CounterRng.bits24(1000 + l, 0xdeadbeef, 0x1234), out[l]);
        }
    }

    @Test
    void thresholdIsExactlyTheFloatComparison() {
        for (float p : new float[] {0f, 1e-9f, 0x1p-24f, 0.3f, 0.5f, 0.7f, 1f - 0x1p-24f, 1f, 1.5f, -0.2f}) {
            int t = CounterRng.threshold(p);
            for (int bits : new int[] {0, 1, Math.max(0, t - 1), Math.min(t, (1 << 24) - 1), (1 << 24) - 1}) {
                assertEquals(bits * 0x1p-24f < p, bits < t, "p=" + p + " bits=" + bits);
            }
        }
    }

    @Test
    void rngIsUniformAndStreamsDiffer() {
        long key = CounterRng.streamKey(1, "t", 0);
        int n = 1 << 20;
        int[] bins = new int[16];
        IntStream.range(0, n).forEach(i -> bins[(int) (CounterRng.uniform(i, CounterRng.k1(key), CounterRng.k2(key))
                * 16)]++);
        double expected = n / 16.0;
        double chi2 = 0;
        for (int c : bins) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 15 degrees of freedom: P(chi2 > 50) is about 1e-5
        assertTrue(chi2 < 50, "chi2 " + chi2);
        assertNotEquals(CounterRng.streamKey(1, "t", 0), CounterRng.streamKey(1, "t", 1));
        assertNotEquals(CounterRng.streamKey(1, "t", 0), CounterRng.streamKey(2, "t", 0));
        assertNotEquals(CounterRng.streamKey(1, "t", 0), CounterRng.streamKey(1, "u", 0));
    }

    @Test
    void radixSortIsStableByKey() {
        int[] keys = {5, 3, 5, 1 << 30, 0, 3, 70000, 3};
        int[] order = IntStream.range(0, keys.length).toArray();
        DellaMask.sortStable(keys, order, new int[8], new int[8], new int[256]);
        assertArrayEquals(new int[] {0, 3, 3, 3, 5, 5, 70000, 1 << 30}, keys);
        assertArrayEquals(new int[] {4, 1, 5, 7, 0, 2, 6, 3}, order);
    }
}
