package dev.evomerge.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.evomerge.UserError;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped once (no 2 GB limits) and owned by a shared arena: tensor bytes are zero-copy
 * read-only views valid until {@link #close()}. The header is validated completely before anything is trusted.
 *
 * <p>Format: an unsigned little-endian u64 header length N, N bytes of JSON
 * ({@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}}), then the data
 * area; offsets are relative to the start of the data area.
 */
public final class SafetensorsFile implements TensorSource, AutoCloseable {
    /** Real headers are kilobytes to a few megabytes; anything beyond this is corrupt or hostile. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private record Entry(TensorInfo info, long begin, long end) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final List<String> names;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapped, long dataStart, Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        this.dataStart = dataStart;
        this.entries = entries;
        this.names = List.copyOf(entries.keySet());
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Maps and validates {@code file}; throws {@link UserError} naming the file (and tensor) on any problem. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new UserError(file + " is not a safetensors file: it has " + size
                        + " bytes, fewer than the 8-byte header length");
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw new UserError(file + " has a corrupt safetensors header: header length "
                        + Long.toUnsignedString(headerLen) + " is larger than the " + MAX_HEADER_BYTES + "-byte limit");
            }
            if (8 + headerLen > size) {
                throw new UserError(file + " has a corrupt safetensors header: header length " + headerLen
                        + " runs past the end of the file (" + size + " bytes); the file may be truncated");
            }
            byte[] header = seg.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            SafetensorsFile f = parse(file, arena, seg, header, dataStart, size - dataStart);
            arena = null;
            return f;
        } catch (NoSuchFileException e) {
            throw new UserError("safetensors file " + file + " does not exist");
        } catch (IOException e) {
            throw new UserError("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
    }

    private static SafetensorsFile parse(Path file, Arena arena, MemorySegment seg, byte[] header, long dataStart,
            long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new UserError(file + " has a corrupt safetensors header: invalid JSON ("
                    + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UserError(file + " has a corrupt safetensors header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new UserError(file + " has a corrupt safetensors header: the JSON is not an object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new UserError(file + " has a corrupt safetensors header: __metadata__ is not an object");
                }
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw new UserError(file + " has a corrupt safetensors header: __metadata__ value of '"
                                + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            list.add(entry(file, name, v, dataSize));
        }
        list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        // The specification requires the offsets to tile the data area exactly: no overlap, no hole, and the last
        // tensor ends the file. A header length one short of its padding shifts every tensor by a byte and is caught
        // here as a trailing byte.
        Map<String, Entry> entries = new LinkedHashMap<>();
        Entry prev = null;
        for (Entry e : list) {
            long covered = prev == null ? 0 : prev.end();
            if (e.begin() < covered) {
                throw new UserError(file + " has a corrupt safetensors header: tensors '" + prev.info().name()
                        + "' and '" + e.info().name() + "' overlap (bytes [" + prev.begin() + ", " + prev.end()
                        + ") and [" + e.begin() + ", " + e.end() + "))");
            }
            if (e.begin() > covered) {
                throw new UserError(file + " has a corrupt safetensors header: " + (e.begin() - covered)
                        + "-byte hole before tensor '" + e.info().name() + "' (data bytes [" + covered + ", " + e.begin()
                        + ") belong to no tensor)");
            }
            entries.put(e.info().name(), e);
            prev = e;
        }
        long covered = prev == null ? 0 : prev.end();
        if (covered != dataSize) {
            throw new UserError(file + " has a corrupt safetensors header: " + (dataSize - covered)
                    + " trailing " + (dataSize - covered == 1 ? "byte" : "bytes") + " after the last tensor"
                    + (prev == null ? "" : " '" + prev.info().name() + "'")
                    + " (the data area has " + dataSize + " bytes; is the header length off?)");
        }
        return new SafetensorsFile(file, arena, seg, dataStart, entries, metadata);
    }

    private static Entry entry(Path file, String name, JsonNode v, long dataSize) {
        String where = file + " has a corrupt safetensors header: tensor '" + name + "'";
        if (!v.isObject()) {
            throw new UserError(where + " is not an object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new UserError(where + " has no dtype string");
        }
        DType dtype = DType.fromSafetensors(dt.textValue());
        if (dtype == null) {
            throw new UserError(where + " has unknown dtype '" + dt.textValue() + "' (known: "
                    + DType.allowedNames() + ")");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new UserError(where + " has no shape array");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new UserError(where + " has an invalid shape " + brief(sh) + ": dimensions must be non-negative integers");
            }
            shape[i] = d.longValue();
        }
        TensorInfo info = new TensorInfo(name, dtype, shape);
        long bytes;
        try {
            bytes = info.byteSize();
        } catch (ArithmeticException e) {
            throw new UserError(where + " has shape " + brief(sh) + " whose size overflows 64 bits");
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new UserError(where + " has no data_offsets [begin, end]");
        }
        for (JsonNode o : off) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw new UserError(where + " has invalid data_offsets " + brief(off)
                        + ": offsets must be non-negative integers");
            }
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (begin > end) {
            throw new UserError(where + " has data_offsets " + off + " with begin after end");
        }
        if (end > dataSize) {
            throw new UserError(where + " has data_offsets " + off + " past the end of the data area (" + dataSize
                    + " bytes); the file may be truncated");
        }
        if (end - begin != bytes) {
            throw new UserError(where + " has " + (end - begin) + " bytes of data but shape " + brief(sh)
                    + " of " + dtype + " needs " + bytes);
        }
        return new Entry(info, begin, end);
    }

    /** A JSON value for a one-line message: a rank-100000 shape must not make a 300 kB line. */
    private static String brief(JsonNode v) {
        String s = v.toString();
        return s.length() <= 80 ? s : s.substring(0, 60) + "… (" + v.size() + " entries)";
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} (string to string), possibly empty. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in the order of their bytes in the file. */
    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    @Override
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return mapped.asSlice(dataStart + e.begin(), e.end() - e.begin()).asReadOnly();
    }

    /** The whole mapped file, read-only (for hashing). */
    MemorySegment wholeFile() {
        return mapped.asReadOnly();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new UserError("tensor '" + name + "' is not in " + path);
        }
        return e;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
