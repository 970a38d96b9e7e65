package dev.evomerge.merge.methods;

/**
 * How one model's task vector {@code d = x - base} is sparsified, applied one chunk at a time. Implementations
 * are immutable and only describe the mask; the L1 rescale factor is passed in by the caller, so the same object
 * serves the rescale pre-pass ({@code s = 1}) and the final pass.
 */
interface Sparsifier {
    /**
     * Writes {@code out[k] = keep(index + k) ? (x[off+k] - b[off+k]) * s : 0} for k in [0, len): the inputs sit at
     * {@code off} of the arrays (the whole tensor, or a decoded chunk), {@code index} is the element index in the
     * tensor, a multiple of {@link Blocks#CHUNK}, and {@code len <= CHUNK}.
     */
    void apply(float[] x, float[] b, int off, int index, int len, float s, float[] out, boolean simd);

    /** {@link #apply(float[], float[], int, int, int, float, float[], boolean)} on whole-tensor arrays. */
    default void apply(float[] x, float[] b, int lo, int len, float s, float[] out, boolean simd) {
        apply(x, b, lo, lo, len, s, out, simd);
    }

    /** Whether the mask may drop elements (otherwise the task vector passes unchanged and is never rescaled). */
    default boolean sparsifies() {
        return true;
    }

    /** Keeps everything: mergekit's path for {@code density >= 1}, which also skips rescaling. */
    Sparsifier DENSE = new Sparsifier() {
        @Override
        public void apply(float[] x, float[] b, int off, int index, int len, float s, float[] out, boolean simd) {
            Kernels.delta(x, b, off, len, s, out, simd);
        }

        @Override
        public boolean sparsifies() {
            return false;
        }
    };

    /** Keeps nothing (e.g. DELLA with {@code density <= 0}). */
    Sparsifier NONE = (x, b, off, index, len, s, out, simd) -> java.util.Arrays.fill(out, 0, len, 0f);

    /** DARE: keep each element independently with probability {@code p} (see {@link CounterRng}). */
    record Bernoulli(int k1, int k2, int threshold) implements Sparsifier {
        static Bernoulli of(long key, float p) {
            return new Bernoulli(CounterRng.k1(key), CounterRng.k2(key), CounterRng.threshold(p));
        }

        @Override
        public void apply(float[] x, float[] b, int off, int index, int len, float s, float[] out, boolean simd) {
            Kernels.bernoulli(x, b, off, index, len, k1, k2, threshold, s, out, simd);
        }
    }

    /** A precomputed keep mask over the whole tensor, one bit per element (DELLA; see {@link DellaMask}). */
    record Mask(long[] keep) implements Sparsifier {
        @Override
        public void apply(float[] x, float[] b, int off, int index, int len, float s, float[] out, boolean simd) {
            Kernels.masked(x, b, off, index, len, keep, s, out, simd);
        }
    }
}
