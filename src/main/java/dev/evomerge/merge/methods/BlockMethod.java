package dev.evomerge.merge.methods;

/**
 * A method whose merge is one {@link BlockMerge.Body} over {@link Inputs}: the same body runs on whole arrays and on
 * decoded chunks, so whole-tensor and streamed results are the same bits and every such method streams.
 */
abstract class BlockMethod extends AbstractMerge {
    BlockMethod(MethodSpec spec) {
        super(spec);
    }

    /** The body for a tensor of {@code shape}; statistics passes over {@code in} run here, before it is returned. */
    abstract BlockMerge.Body body(Params p, long[] shape, Inputs in, Execution ex);

    /** Whether the body reads the base's elements (karcher ignores a base). */
    boolean readsBase() {
        return true;
    }

    @Override
    final void merge(TensorInput in, Params p, float[] out, Execution ex) {
        Inputs inputs = Inputs.of(readsBase() ? in.base() : null, in.models(), in.numel());
        BlockMerge.runAll(ex, inputs, body(p, in.shape(), inputs, ex), out);
    }

    @Override
    final boolean streams(TensorSpec spec) {
        return true;
    }

    @Override
    final ChunkedMerge chunked(TensorSpec spec, Params p, ChunkReader reader, Execution ex) {
        Inputs in = Inputs.of(reader, spec.numel(), spec.modelCount(), readsBase() && spec.hasBase());
        return new BlockMerge(spec.numel(), body(p, spec.shape(), in, ex), in);
    }
}
