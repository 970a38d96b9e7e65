package dev.evomerge.merge.methods;

/**
 * Deterministic double-precision sums. Within a unit (a block of {@link Blocks#BLOCK} elements, or one row) a
 * reducer adds in index order; units are combined in unit order. The result is independent of thread count and
 * of SIMD, and more accurate than the float32 sums mergekit's torch code makes.
 */
final class Reduce {
    private Reduce() {
    }

    @FunctionalInterface
    interface Body {
        /** Adds the contributions of elements [lo, hi) to {@code acc}, in index order. */
        void add(int lo, int hi, double[] acc);
    }

    /**
     * {@code sum |a[k]|} over [0, len) in double with four accumulators taking indices {@code k mod 4}, combined
     * as {@code (s0 + s1) + (s2 + s3)}: a fixed order, so the same on every machine, and four times shorter
     * dependency chains than one running sum.
     */
    static double sumAbs(float[] a, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            s0 += Math.abs(a[k]);
            s1 += Math.abs(a[k + 1]);
            s2 += Math.abs(a[k + 2]);
            s3 += Math.abs(a[k + 3]);
        }
        for (; k < len; k++) {
            s0 += Math.abs(a[k]);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code width} sums over [0, n), accumulated per block and combined in block order. */
    static double[] blocks(Execution ex, int n, int width, Body body) {
        int blocks = Blocks.count(n, Blocks.BLOCK);
        double[][] partial = new double[blocks][width];
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> body.add(lo, hi, partial[blk]));
        double[] total = new double[width];
        for (double[] p : partial) {
            for (int q = 0; q < width; q++) {
                total[q] += p[q];
            }
        }
        return total;
    }

    @FunctionalInterface
    interface ChunkBody {
        /** Adds the contributions of the loaded chunk's elements {@code [0, ch.len)} to {@code acc}, in index order. */
        void add(Inputs.Chunk ch, double[] acc);
    }

    /**
     * {@link #blocks} over {@code in}, decoded one chunk at a time: the same sums in the same order whether the
     * inputs are whole arrays or a {@link ChunkReader}, so the statistics pass streams.
     */
    static double[] chunks(Execution ex, Inputs in, int width, ChunkBody body) {
        return blocks(ex, in.n(), width, (lo, hi, acc) -> {
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                ch.load(c, Math.min(Blocks.CHUNK, hi - c));
                body.add(ch, acc);
            }
        });
    }

    /** {@link #rows} over {@code in}, each row decoded in chunks of at most {@link Blocks#CHUNK} in index order. */
    static double[][] rows(Execution ex, Inputs in, int rows, int rowLength, int width, ChunkBody body) {
        return rows(ex, rows, rowLength, width, (lo, hi, acc) -> {
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                ch.load(c, Math.min(Blocks.CHUNK, hi - c));
                body.add(ch, acc);
            }
        });
    }

    /** {@code width} sums for each contiguous row of {@code rowLength} elements: {@code result[row][q]}. */
    static double[][] rows(Execution ex, int rows, int rowLength, int width, Body body) {
        double[][] out = new double[rows][width];
        int rowsPerTask = Math.max(1, Blocks.BLOCK / Math.max(1, rowLength));
        Blocks.forEach(ex, rows, rowsPerTask, (task, from, to) -> {
            for (int r = from; r < to; r++) {
                body.add(r * rowLength, (r + 1) * rowLength, out[r]);
            }
        });
        return out;
    }
}
