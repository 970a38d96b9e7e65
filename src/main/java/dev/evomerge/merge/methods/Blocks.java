package dev.evomerge.merge.methods;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntFunction;

/**
 * Fixed-size blocking of one tensor for parallel work. A tensor of n elements is cut into blocks of
 * {@link #BLOCK} elements (the last one shorter) whatever the pool size, and blocks into chunks of {@link #CHUNK}
 * elements processed in index order by one thread. Floating-point reductions are made per block and combined in
 * block order, so results never depend on the thread count.
 */
final class Blocks {
    /** Elements per block: the unit of parallel work and of floating-point partial sums. */
    static final int BLOCK = 1 << 16;
    /** Elements per chunk: the unit of per-model scratch buffers (fits L1 for a few models). */
    static final int CHUNK = 1 << 11;

    private Blocks() {
    }

    static int count(int n, int size) {
        return (int) (((long) n + size - 1) / size);
    }

    @FunctionalInterface
    interface RangeBody {
        /** Processes elements (or rows) [lo, hi) of unit {@code index}. */
        void run(int index, int lo, int hi);
    }

    /** Runs {@code body} for every block of {@code size} items of [0, n), in parallel on the execution's pool. */
    static void forEach(Execution ex, int n, int size, RangeBody body) {
        int count = count(n, size);
        if (count == 0) {
            return;
        }
        if (count == 1 || ex.pool().getParallelism() <= 1) {
            for (int b = 0; b < count; b++) {
                body.run(b, b * size, (int) Math.min(n, (long) b * size + size));
            }
            return;
        }
        invoke(ex.pool(), new Split(body, n, size, 0, count));
    }

    /** Runs {@code body} for every block of [0, n) of {@link #BLOCK} elements. */
    static void forEachBlock(Execution ex, int n, RangeBody body) {
        forEach(ex, n, BLOCK, body);
    }

    /**
     * Splits [0, n) into about twice the pool's parallelism block-aligned parts and maps each; for work whose
     * combination does not depend on the split (integer counts).
     */
    static <T> List<T> mapParts(Execution ex, int n, PartFunction<T> f) {
        int blocks = count(n, BLOCK);
        int parts = Math.max(1, Math.min(blocks, 2 * ex.pool().getParallelism()));
        List<T> results = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            results.add(null);
        }
        IntFunction<int[]> range = p -> new int[] {
            (int) Math.min(n, (long) blocks * p / parts * BLOCK),
            (int) Math.min(n, (long) blocks * (p + 1) / parts * BLOCK)};
        forEach(ex, parts, 1, (p, lo, hi) -> {
            int[] r = range.apply(p);
            results.set(p, f.apply(r[0], r[1]));
        });
        return results;
    }

    @FunctionalInterface
    interface PartFunction<T> {
        T apply(int lo, int hi);
    }

    private static void invoke(ForkJoinPool pool, ForkJoinTask<?> task) {
        if (ForkJoinTask.getPool() == pool) {
            task.invoke();
        } else {
            pool.invoke(task);
        }
    }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int n;
        private final int size;
        private final int from;
        private final int to;

        Split(RangeBody body, int n, int size, int from, int to) {
            this.body = body;
            this.n = n;
            this.size = size;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.run(from, from * size, (int) Math.min(n, (long) from * size + size));
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Split(body, n, size, from, mid), new Split(body, n, size, mid, to));
        }
    }
}
