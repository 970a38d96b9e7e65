package dev.evomerge.merge.methods;

/**
 * One tensor's merge, prepared from a {@link ChunkReader} (every per-tensor statistic the method needs, such as
 * magnitude thresholds or DARE's L1 norms, is already computed) and run block by block: each call decodes one
 * chunk of every input at a time into per-thread buffers, merges it and hands it to a sink, so no whole-tensor
 * array is ever made. The output is bit-identical to {@link MergeMethod#merge(TensorInput, float[], Execution)}
 * on the decoded tensors, whatever the blocks' order or threads.
 */
public interface ChunkedMerge {
    /** Elements per block; the engine hands out blocks {@code [k * BLOCK, min(n, (k + 1) * BLOCK))}. */
    int BLOCK = Blocks.BLOCK;
    /** Elements per chunk handed to a {@link Sink}, at most. */
    int CHUNK = Blocks.CHUNK;

    /** Receives merged elements: {@code values[0, len)} are elements {@code [from, from + len)} of the tensor. */
    @FunctionalInterface
    interface Sink {
        void accept(int from, float[] values, int len);
    }

    /** Number of elements of the tensor. */
    int numel();

    /**
     * Merges elements {@code [lo, hi)}, where {@code lo} is a multiple of {@link #BLOCK} and {@code hi} the block's
     * end, handing them to {@code sink} chunk by chunk in index order on the calling thread. Safe to call from many
     * threads at once for different blocks; {@code values} is only valid during {@code accept}.
     */
    void mergeBlock(int lo, int hi, Sink sink);
}
