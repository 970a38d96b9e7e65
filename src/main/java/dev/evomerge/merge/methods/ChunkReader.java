package dev.evomerge.merge.methods;

/**
 * The float32 inputs of one tensor, decoded on demand: how the merge engine hands a method tensors that stay in
 * their mapped checkpoints (BF16, F16 or F32) instead of whole float arrays. Input {@link #BASE} is the base
 * model's tensor, inputs {@code 0..N-1} the models in {@link TensorSpec} order. Must be safe to call from many
 * threads at once.
 */
public interface ChunkReader {
    /** The input index of the base model. */
    int BASE = -1;

    /** Writes elements {@code [from, from + len)} of input {@code input} to {@code dst[0, len)}. */
    void read(int input, int from, int len, float[] dst);

    /** Element {@code index} of input {@code input} (for sampling; not a bulk path). */
    float get(int input, int index);
}
