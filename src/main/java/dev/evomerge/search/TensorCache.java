package dev.evomerge.search;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.merge.TensorTask;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Merged tensors reused across the candidates of one run, keyed by everything that determines the bytes: output
 * name, dtype and shape, method, the exact input tensors (same opened source, same name), resolved parameters and
 * seed. A per-layer search that changes one group of layers re-merges only that group. Least recently used entries
 * beyond {@code maxBytes} are dropped from the map; their native memory is freed by the GC once no candidate still
 * views it (segments come from automatic arenas), so a dropped tensor never disappears under a running model.
 */
public final class TensorCache {

    /** What makes a merged tensor's bytes (shape as text: arrays have no value equality). */
    record Key(String name, DType dtype, String shape, String method, TensorTask.Input base,
               List<TensorTask.Input> models, List<Map<String, Double>> modelParams, Map<String, Double> global,
               long seed) {
        static Key of(TensorTask t) {
            return new Key(t.output().name(), t.output().dtype(), t.output().shapeString(), t.method().name(),
                    t.base(), t.models(), t.modelParams(), t.globalParams(), t.seed());
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<Key, MemorySegment> map = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    /** @param maxBytes most bytes kept; 0 disables caching */
    public TensorCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, but was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public boolean enabled() {
        return maxBytes > 0;
    }

    /** The cached bytes of {@code task}'s output, or those {@code merge} makes (then cached). */
    public MemorySegment get(TensorTask task, Supplier<MemorySegment> merge) {
        Key key = Key.of(task);
        synchronized (this) {
            MemorySegment hit = map.get(key);
            if (hit != null) {
                hits++;
                return hit;
            }
            misses++;
        }
        MemorySegment made = merge.get();
        synchronized (this) {
            MemorySegment raced = map.putIfAbsent(key, made);
            if (raced != null) {
                return raced;
            }
            bytes += made.byteSize();
            var it = map.entrySet().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                var e = it.next();
                bytes -= e.getValue().byteSize();
                it.remove();
            }
        }
        return made;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized long bytes() {
        return bytes;
    }
}
