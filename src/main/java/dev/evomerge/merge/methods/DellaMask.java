package dev.evomerge.merge.methods;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * DELLA's magnitude-ranked Bernoulli mask (mergekit {@code sparsify.della_magprune}; Deep et al. 2024,
 * arXiv:2406.11617, MAGPRUNE). Ranks are taken along dimension 1 of the tensor (a 1-D tensor is one row), i.e.
 * within each row of a matrix. For a row of c elements, the element of ascending rank r (0-based, ties in
 * magnitude broken by index, later is larger) is kept with probability
 * {@code p = (r / (c - 1)) * 2 * epsilon + (density - epsilon)}, evaluated in float32 in that order as torch does,
 * and the draw is {@code u < p} with u from {@link CounterRng} at the element's flat index.
 *
 * <p>mergekit gets ranks from two argsorts (O(c log c) per row); we sort each row's magnitude keys with a stable
 * LSD radix sort (four 8-bit passes, O(c)), which also makes the tie order exact.
 */
final class DellaMask {
    private DellaMask() {
    }

    /** Rows along dimension 1: count, length, and the flat index of row element k is {@code start(row) + k * stride}. */
    record Rows(int count, int length, int stride) {
        static Rows of(long[] shape, int n) {
            if (shape.length < 2) {
                return new Rows(n == 0 ? 0 : 1, n, 1);
            }
            int length = (int) shape[1];
            int stride = 1;
            for (int d = 2; d < shape.length; d++) {
                stride *= (int) shape[d];
            }
            int count = length == 0 || stride == 0 ? 0 : n / length;
            return new Rows(count, length, stride);
        }

        int start(int row) {
            int outer = row / stride;
            int inner = row % stride;
            return outer * length * stride + inner;
        }
    }

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * The keep mask of model {@code j} as bits (bit {@code i & 63} of word {@code i >>> 6} for element i): one bit
     * per element, so a 1 GB float32 tensor's mask takes 32 MB. Rows are read from {@code in} (contiguous rows in
     * chunks, strided rows element by element); rows run in parallel and their bits are or-ed in atomically, since
     * neighbouring rows may share a word.
     */
    static long[] compute(Execution ex, Inputs in, int j, Rows rows, double density, double epsilon,
            long streamKey) {
        int n = in.n();
        long[] keep = new long[(int) (((long) n + 63) >>> 6)];
        int c = rows.length();
        int stride = rows.stride();
        int k1 = CounterRng.k1(streamKey);
        int k2 = CounterRng.k2(streamKey);
        float eps = (float) epsilon;
        float offset = (float) (density - epsilon);
        float span = c - 1;
        int rowsPerTask = Math.max(1, Blocks.BLOCK / Math.max(1, c));
        Blocks.forEach(ex, rows.count(), rowsPerTask, (task, from, to) -> {
            int[] keys = new int[c];
            int[] order = new int[c];
            int[] tmpKeys = new int[c];
            int[] tmpOrder = new int[c];
            int[] counts = new int[256];
            boolean[] rowKeep = new boolean[c];
            Inputs.Chunk ch = in.chunk();
            for (int row = from; row < to; row++) {
                int start = rows.start(row);
                if (stride == 1) {
                    for (int k = 0; k < c; k += Blocks.CHUNK) {
                        int len = Math.min(Blocks.CHUNK, c - k);
                        ch.load(start + k, len, j);
                        for (int q = 0; q < len; q++) {
                            keys[k + q] = Kernels.magnitudeKey(ch.xs[j][ch.off + q] - ch.base[ch.off + q]);
                        }
                    }
                } else {
                    for (int k = 0; k < c; k++) {
                        int i = start + k * stride;
                        keys[k] = Kernels.magnitudeKey(in.get(j, i) - in.get(ChunkReader.BASE, i));
                    }
                }
                for (int k = 0; k < c; k++) {
                    order[k] = k;
                }
                sortStable(keys, order, tmpKeys, tmpOrder, counts);
                for (int r = 0; r < c; r++) {
                    float rankNorm = Math.min(1f, Math.max(0f, r / span));
                    float p = rankNorm * 2f * eps + offset;
                    int k = order[r];
                    rowKeep[k] = CounterRng.uniform(start + k * stride, k1, k2) < p;
                }
                long word = 0;
                int wordIndex = -1;
                for (int k = 0; k < c; k++) {
                    int i = start + k * stride;
                    if ((i >>> 6) != wordIndex) {
                        flush(keep, wordIndex, word);
                        wordIndex = i >>> 6;
                        word = 0;
                    }
                    if (rowKeep[k]) {
                        word |= 1L << (i & 63);
                    }
                }
                flush(keep, wordIndex, word);
            }
        });
        return keep;
    }

    private static void flush(long[] words, int index, long bits) {
        if (index >= 0 && bits != 0) {
            WORDS.getAndBitwiseOr(words, index, bits);
        }
    }

    /** Stable LSD radix sort of non-negative 31-bit keys, carrying {@code order}; results end in keys/order. */
    static void sortStable(int[] keys, int[] order, int[] tmpKeys, int[] tmpOrder, int[] counts) {
        int c = keys.length;
        int[] srcK = keys;
        int[] srcO = order;
        int[] dstK = tmpKeys;
        int[] dstO = tmpOrder;
        for (int shift = 0; shift < 32; shift += 8) {
            java.util.Arrays.fill(counts, 0);
            for (int k = 0; k < c; k++) {
                counts[(srcK[k] >>> shift) & 0xff]++;
            }
            boolean trivial = false;
            for (int q = 0; q < 256; q++) {
                if (counts[q] == c) {
                    trivial = true;
                    break;
                }
            }
            if (trivial) {
                continue;
            }
            int sum = 0;
            for (int q = 0; q < 256; q++) {
                int t = counts[q];
                counts[q] = sum;
                sum += t;
            }
            for (int k = 0; k < c; k++) {
                int pos = counts[(srcK[k] >>> shift) & 0xff]++;
                dstK[pos] = srcK[k];
                dstO[pos] = srcO[k];
            }
            int[] t = srcK;
            srcK = dstK;
            dstK = t;
            t = srcO;
            srcO = dstO;
            dstO = t;
        }
        if (srcK != keys) {
            System.arraycopy(srcK, 0, keys, 0, c);
            System.arraycopy(srcO, 0, order, 0, c);
        }
    }
}
