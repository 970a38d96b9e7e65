package dev.evomerge.checkpoint;

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
}
