package dev.evomerge.checkpoint;

import dev.evomerge.UserError;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensors held in native memory (one shared arena), e.g. a merged candidate handed to the runtime without touching
 * disk. Segments are native, so DJL can wrap them as direct buffers. Closing frees every tensor at once.
 */
public final class InMemoryTensors implements TensorSource, AutoCloseable {
    private final Arena arena;
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final Map<String, MemorySegment> data = new LinkedHashMap<>();
    /** Segments this object allocated (not views), by name. */
    private final Map<String, MemorySegment> owned = new LinkedHashMap<>();
    /** Segments handed over by {@link #recycle()}, by byte size, reused before allocating. */
    private final Map<Long, ArrayDeque<MemorySegment>> spare = new HashMap<>();
    /** Shares of memory owned elsewhere, let go of on close. */
    private final List<AutoCloseable> releases = new ArrayList<>();
    private boolean handedOver;

    public InMemoryTensors() {
        this(Arena.ofShared());
    }

    private InMemoryTensors(Arena arena) {
        this.arena = arena;
    }

    /**
     * Allocates a tensor and returns its segment for the caller to fill completely: fresh memory is zeroed, recycled
     * memory holds the previous candidate's bytes.
     */
    public synchronized MemorySegment allocate(TensorInfo info) {
        if (infos.containsKey(info.name())) {
            throw new IllegalArgumentException("Tensor " + info.name() + " is already present");
        }
        ArrayDeque<MemorySegment> reuse = spare.get(info.byteSize());
        MemorySegment seg = reuse != null && !reuse.isEmpty() ? reuse.pop() : arena.allocate(info.byteSize(), 64);
        owned.put(info.name(), seg);
        infos.put(info.name(), info);
        data.put(info.name(), seg);
        return seg;
    }

    /**
     * Adds a tensor that is a read-only view of memory owned elsewhere (a mapped source checkpoint), so tensors a
     * merge leaves unchanged are handed to the runtime without a copy. The owner must outlive this object.
     */
    public synchronized void putView(TensorInfo info, MemorySegment bytes) {
        if (infos.containsKey(info.name())) {
            throw new IllegalArgumentException("Tensor " + info.name() + " is already present");
        }
        if (bytes.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException("Tensor " + info + " needs " + info.byteSize() + " bytes but the view has "
                    + bytes.byteSize());
        }
        infos.put(info.name(), info);
        data.put(info.name(), bytes);
    }

    /**
     * Adds a view of memory owned elsewhere that this object holds a share of: {@code release} runs once, when this
     * object is closed (e.g. a candidate's lease on a merged tensor that a cache may still keep).
     */
    public synchronized void putView(TensorInfo info, MemorySegment bytes, AutoCloseable release) {
        putView(info, bytes);
        releases.add(release);
    }

    /** Adds an F32 tensor copied from {@code values}; convenient for tests and small tensors. */
    public void putF32(String name, long[] shape, float[] values) {
        TensorInfo info = new TensorInfo(name, DType.F32, shape);
        if (info.numel() != values.length) {
            throw new IllegalArgumentException("Tensor " + name + " has shape " + info.shapeString() + " but "
                    + values.length + " values were given");
        }
        MemorySegment.copy(values, 0, allocate(info), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
    }

    @Override
    public synchronized List<String> names() {
        return new ArrayList<>(infos.keySet());
    }

    @Override
    public synchronized TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new UserError("tensor '" + name + "' is missing from the in-memory model");
        }
        return info;
    }

    @Override
    public synchronized boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public synchronized MemorySegment bytes(String name) {
        info(name);
        return data.get(name).asReadOnly();
    }

    /**
     * Hands this object's memory to a new, empty one that reuses it for tensors of the same sizes: the next candidate
     * of a search is then merged into memory that is already mapped, instead of fresh pages the kernel must fault in
     * and zero (about a third of an in-memory merge). This object is emptied and its {@link #close()} does nothing;
     * the caller must no longer use the tensors it held (e.g. the runtime has swapped to the next candidate).
     */
    public synchronized InMemoryTensors recycle() {
        if (handedOver) {
            throw new IllegalStateException("these tensors were already recycled");
        }
        InMemoryTensors next = new InMemoryTensors(arena);
        spare.forEach((size, segs) -> next.spare.computeIfAbsent(size, k -> new ArrayDeque<>()).addAll(segs));
        owned.values().forEach(seg -> next.spare.computeIfAbsent(seg.byteSize(), k -> new ArrayDeque<>()).add(seg));
        infos.clear();
        data.clear();
        owned.clear();
        spare.clear();
        handedOver = true;
        return next;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable r : releases) {
            try {
                r.close();
            } catch (Exception e) {
                throw new IllegalStateException("releasing a shared tensor", e);
            }
        }
        releases.clear();
        if (!handedOver) {
            arena.close();
        }
    }
}
