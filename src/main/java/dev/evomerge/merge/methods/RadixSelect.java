package dev.evomerge.merge.methods;

import java.util.List;

/**
 * Exact order statistics of per-element 64-bit keys that are recomputed from the inputs on every pass, so nothing of
 * tensor size is kept: four passes, one per 16-bit digit, most significant first; each pass histograms the next
 * digit of the keys that match the digits found so far. Counts are integers, so the result does not depend on the
 * split into parts or the thread count.
 */
final class RadixSelect {
    private static final int DIGIT = 16;
    private static final int BUCKETS = 1 << DIGIT;

    private RadixSelect() {
    }

    /** Writes the keys of the loaded chunk's elements to {@code keys[0, ch.len)}; keys are compared unsigned. */
    @FunctionalInterface
    interface Keys {
        void keys(Inputs.Chunk ch, long[] keys);
    }

    /**
     * The key at one ascending rank, with how many keys are below it and equal to it.
     *
     * @param key   the key of ascending rank {@code rank} (0-based, unsigned order)
     * @param below how many elements have a smaller key
     * @param equal how many elements have this key
     */
    record Rank(long key, long below, long equal) {
    }

    /** The keys at each of {@code ranks} (each in {@code [0, in.n())}), selected together in the same four passes. */
    static Rank[] select(Execution ex, Inputs in, long[] ranks, Keys keys) {
        int q = ranks.length;
        long[] prefix = new long[q];
        long[] below = new long[q];
        long[] equal = new long[q];
        for (int shift = 64 - DIGIT; shift >= 0; shift -= DIGIT) {
            long mask = shift + DIGIT >= 64 ? 0 : -1L << (shift + DIGIT);
            long[] want = prefix.clone();
            int sh = shift;
            long[] hist = sum(Blocks.mapParts(ex, in.n(), (lo, hi) -> {
                long[] h = new long[q * BUCKETS];
                long[] k = new long[Blocks.CHUNK];
                Inputs.Chunk ch = in.chunk();
                for (int i = lo; i < hi; i += Blocks.CHUNK) {
                    ch.load(i, Math.min(Blocks.CHUNK, hi - i));
                    keys.keys(ch, k);
                    for (int e = 0; e < ch.len; e++) {
                        long key = k[e];
                        int digit = (int) (key >>> sh) & (BUCKETS - 1);
                        for (int r = 0; r < q; r++) {
                            if ((key & mask) == want[r]) {
                                h[r * BUCKETS + digit]++;
                            }
                        }
                    }
                }
                return h;
            }));
            for (int r = 0; r < q; r++) {
                int digit = 0;
                while (below[r] + hist[r * BUCKETS + digit] <= ranks[r]) {
                    below[r] += hist[r * BUCKETS + digit];
                    digit++;
                }
                equal[r] = hist[r * BUCKETS + digit];
                prefix[r] |= (long) digit << shift;
            }
        }
        Rank[] out = new Rank[q];
        for (int r = 0; r < q; r++) {
            out[r] = new Rank(prefix[r], below[r], equal[r]);
        }
        return out;
    }

    /**
     * A key whose unsigned order is {@link Double#compare}'s order ({@code -0.0 < 0.0}, every NaN equal and above
     * +infinity), as {@link java.util.Arrays#sort(double[])} sorts; {@link #toDouble} inverts it (NaN canonical).
     */
    static long key(double v) {
        long bits = Double.doubleToLongBits(v);
        return bits ^ ((bits >> 63) | Long.MIN_VALUE);
    }

    /** The double of {@link #key}. */
    static double toDouble(long key) {
        long bits = key ^ ((~key >> 63) | Long.MIN_VALUE);
        return Double.longBitsToDouble(bits);
    }

    static long[] sum(List<long[]> parts) {
        long[] total = parts.getFirst().clone();
        for (int p = 1; p < parts.size(); p++) {
            long[] part = parts.get(p);
            for (int i = 0; i < total.length; i++) {
                total[i] += part[i];
            }
        }
        return total;
    }
}
