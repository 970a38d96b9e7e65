package dev.evomerge.merge.methods;

/** A prepared element-wise merge run block by block over chunks decoded into per-thread buffers. */
final class BlockMerge implements ChunkedMerge {
    /** Merges one loaded chunk into {@code out[outOff, outOff + ch.len)}. */
    @FunctionalInterface
    interface Body {
        void merge(Inputs.Chunk ch, float[] out, int outOff);
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
