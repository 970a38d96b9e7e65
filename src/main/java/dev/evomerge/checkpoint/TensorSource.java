package dev.evomerge.checkpoint;

import dev.evomerge.UserError;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A set of named tensors, whether mapped from a checkpoint on disk or produced in memory by the merge engine.
 * The runtime loads weights through this interface only, so a merged candidate never needs a disk round trip.
 */
public interface TensorSource {
    /** Tensor names in a stable order (file order for checkpoints). */
    List<String> names();

    /** Name, dtype and shape; throws {@link dev.evomerge.UserError} naming the tensor if absent. */
    TensorInfo info(String name);

    boolean contains(String name);

    /**
     * The tensor's raw little-endian bytes in {@link TensorInfo#dtype()}. Read-only by contract: for checkpoints it is
     * a view of the memory-mapped file; valid until the source is closed.
     */
    MemorySegment bytes(String name);

    /**
     * Drops the tensor's pages from this process's resident set when it is memory-mapped: they are clean page cache,
     * read again on the next use. Called after a tensor has been consumed (widened, merged, measured), so a process
     * that streams through checkpoints is not charged their whole size (docs/memory.md).
     */
    default void releasePages(String name) {
        MemorySegment b = bytes(name);
        if (b.isMapped()) {
            b.unload();
        }
    }

    /**
     * Decodes elements {@code [fromElem, fromElem+len)} of the flattened tensor into {@code dst[dstOff..)},
     * converting F32/F16/BF16/F64 to float (see {@link FloatCodec}).
     */
    default void readFloats(String name, long fromElem, float[] dst, int dstOff, int len) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloatConvertible()) {
            throw new UserError("tensor '" + name + "' has dtype " + info.dtype()
                    + ", which cannot be read as float");
        }
        long numel = info.numel();
        if (fromElem < 0 || len < 0 || fromElem > numel - len) {
            throw new IndexOutOfBoundsException("elements [" + fromElem + ", " + (fromElem + len) + ") of tensor "
                    + name + " with " + numel + " elements");
        }
        FloatCodec.decode(info.dtype(), bytes(name), fromElem * info.dtype().byteSize(), dst, dstOff, len);
    }

    /** The whole tensor as float32 (for tensors that fit one Java array). */
    default float[] readFloats(String name) {
        long numel = info(name).numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new UserError("tensor '" + name + "' has " + numel
                    + " elements, too many for one float array; read it in chunks");
        }
        float[] out = new float[(int) numel];
        readFloats(name, 0, out, 0, out.length);
        return out;
    }
}
