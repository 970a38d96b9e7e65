package dev.evomerge.merge.methods;

/** A prepared element-wise merge run block by block over chunks decoded into per-thread buffers. */
final class BlockMerge implements ChunkedMerge {
    /** Merges one loaded chunk into {@code out[outOff, outOff + ch.len)}. */
    @FunctionalInterface
    interface Body {
        void merge(Inputs.Chunk ch, float[] out, int outOff);
    }

    /** The base model unchanged (a method given no other model). */
    static final Body COPY_BASE = (ch, out, outOff) -> System.arraycopy(ch.base, ch.off, out, outOff, ch.len);

    /** One row's run of a chunk: chunk elements {@code [k, k + len)} belong to row {@code row}. */
    @FunctionalInterface
    interface RowRun {
        void run(int row, int k, int len);
    }

    /** Cuts the loaded chunk at the boundaries of rows of {@code rowLength} elements, in index order. */
    static void rowRuns(Inputs.Chunk ch, int rowLength, RowRun run) {
        int end = ch.index + ch.len;
        for (int i = ch.index; i < end; ) {
            int row = i / rowLength;
            int stop = (int) Math.min(end, (long) (row + 1) * rowLength);
            run.run(row, i - ch.index, stop - i);
            i = stop;
        }
    }

    private final int numel;
    private final Body body;
    private final Inputs in;
    private final ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[Blocks.CHUNK]);

    BlockMerge(int numel, Body body, Inputs in) {
        this.numel = numel;
        this.body = body;
        this.in = in;
    }

    /** Runs {@code body} over every chunk of whole-array {@code in} into {@code out}, blocks in parallel. */
    static void runAll(Execution ex, Inputs in, Body body, float[] out) {
        Blocks.forEachBlock(ex, in.n(), (blk, lo, hi) -> {
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                ch.load(c, Math.min(Blocks.CHUNK, hi - c));
                body.merge(ch, out, c);
            }
        });
    }

    @Override
    public int numel() {
        return numel;
    }

    @Override
    public void mergeBlock(int lo, int hi, Sink sink) {
        if (lo < 0 || lo % BLOCK != 0 || hi < lo || hi > numel || hi - lo > BLOCK) {
            throw new IllegalArgumentException("Block [" + lo + ", " + hi + ") is not a block of a tensor of "
                    + numel + " elements");
        }
        Inputs.Chunk ch = in.chunk();
        float[] out = buffers.get();
        for (int c = lo; c < hi; c += Blocks.CHUNK) {
            int len = Math.min(Blocks.CHUNK, hi - c);
            ch.load(c, len);
            body.merge(ch, out, 0);
            sink.accept(c, out, len);
        }
    }
}
