package dev.evomerge.search;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.merge.TensorTask;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Merged tensors reused across the candidates of one run, keyed by everything that determines the bytes: output
 * name, dtype and shape, method, the exact input tensors (same opened source, same name), resolved parameters and
 * seed. A per-layer search that changes one group of layers re-merges only that group.
 *
 * <p>Every tensor has its own arena and a count of holders: the cache while it keeps the entry, and each candidate
 * that {@link #lease leased} it. The memory is freed the moment the last holder lets go, so a dropped entry never
 * disappears under a running model and a run's native memory is bounded by the live candidates plus
 * {@code maxBytes}, not by when the garbage collector happens to run.
 */
final class TensorCache {

    /** What makes a merged tensor's bytes (shape as text: arrays have no value equality). */
    record Key(String name, DType dtype, String shape, String method, TensorTask.Input base,
               List<TensorTask.Input> models, List<Map<String, Double>> modelParams, Map<String, Double> global,
               long seed) {
        static Key of(TensorTask t) {
            return new Key(t.output().name(), t.output().dtype(), t.output().shapeString(), t.method().name(),
                    t.base(), t.models(), t.modelParams(), t.globalParams(), t.seed());
        }
    }

    /** One merged tensor in its own arena, freed when its last holder releases it. */
    private final class Entry {
        final Arena arena;
        final MemorySegment bytes;
        int holders;

        Entry(Arena arena, MemorySegment bytes) {
            this.arena = arena;
            this.bytes = bytes;
        }
    }

    /** A candidate's hold on a merged tensor; {@link #close()} lets go of it (once). */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean released;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public MemorySegment bytes() {
            return entry.bytes;
        }

        @Override
        public void close() {
            synchronized (TensorCache.this) {
                if (!released) {
                    released = true;
                    release(entry);
                }
            }
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<Key, Entry> map = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long live;
    private long hits;
    private long misses;

    /** @param maxBytes most bytes kept for reuse; 0 disables keeping (tensors live only while leased) */
    public TensorCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, but was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public boolean enabled() {
        return maxBytes > 0;
    }

    /**
     * A hold on {@code task}'s merged bytes: the cached ones, or those {@code merge} allocates from the arena it is
     * given (then cached if they fit).
     */
    public Lease lease(TensorTask task, Function<Arena, MemorySegment> merge) {
        Key key = Key.of(task);
        synchronized (this) {
            Entry hit = map.get(key);
            if (hit != null) {
                hits++;
                hit.holders++;
                return new Lease(hit);
            }
            misses++;
        }
        Arena arena = Arena.ofShared();
        Entry made;
        try {
            made = new Entry(arena, merge.apply(arena));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        synchronized (this) {
            live += made.bytes.byteSize();
            Entry raced = enabled() ? map.get(key) : null;
            if (raced != null) {
                made.holders = 1;
                release(made);
                raced.holders++;
                return new Lease(raced);
            }
            made.holders = 1;
            if (enabled() && made.bytes.byteSize() <= maxBytes) {
                made.holders++;
                map.put(key, made);
                bytes += made.bytes.byteSize();
                var it = map.entrySet().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    Entry e = it.next().getValue();
                    it.remove();
                    bytes -= e.bytes.byteSize();
                    release(e);
                }
            }
            return new Lease(made);
        }
    }

    /** Lets go of every kept tensor (those candidates still hold are freed when they let go too). */
    public synchronized void clear() {
        for (Entry e : map.values()) {
            release(e);
        }
        map.clear();
        bytes = 0;
    }

    /** Caller holds the lock. */
    private void release(Entry e) {
        if (--e.holders == 0) {
            live -= e.bytes.byteSize();
            e.arena.close();
        }
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** Bytes kept for reuse. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Bytes of merged tensors not yet freed: kept ones plus those candidates still hold. */
    public synchronized long liveBytes() {
        return live;
    }
}
