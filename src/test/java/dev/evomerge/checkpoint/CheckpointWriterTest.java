package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWriterTest {
    @TempDir
    Path tmp;

    private static TensorInfo t(String name, DType dt, long... shape) {
        return new TensorInfo(name, dt, shape);
    }

    private static float[] ramp(int n, float start) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i;
        }
        return v;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shardedWriteReadsBackWithHuggingFaceLayoutAndIndex() throws IOException {
        // 3 tensors of 40, 24 and 40 bytes with a 64-byte shard limit: shards {a, b}, {c}.
        List<TensorInfo> plan = List.of(t("a", DType.F32, 2, 5), t("b", DType.BF16, 12), t("c", DType.F16, 4, 5));
        Path out = tmp.resolve("out");
        try (CheckpointWriter w = CheckpointWriter.create(out, plan, 64, false)) {
            assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"),
                    w.shardFiles());
            assertEquals("model-00002-of-00002.safetensors", w.shardOf("c"));
            w.writeFloats("a", 0, ramp(10, 0), 0, 10);
            w.writeFloats("b", 6, ramp(12, 100), 6, 6); // chunks out of order
            w.writeFloats("b", 0, ramp(12, 100), 0, 6);
            w.writeFloats("c", 0, ramp(20, -10), 0, 20);
            w.writeFile("config.json", "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8));
            assertFalse(Files.exists(out), "nothing visible before commit");
            assertEquals(out.toAbsolutePath(), w.commit());
        }
        assertEquals(List.of("out"), listing(), "no temporary directory left");
        JsonNode index = SafetensorsFile.JSON.readTree(out.resolve(Checkpoint.INDEX_FILE).toFile());
        assertEquals(40 + 24 + 40, index.get("metadata").get("total_size").longValue());
        assertEquals("model-00001-of-00002.safetensors", index.get("weight_map").get("a").textValue());
        assertEquals("model-00001-of-00002.safetensors", index.get("weight_map").get("b").textValue());
        assertEquals("model-00002-of-00002.safetensors", index.get("weight_map").get("c").textValue());
        assertEquals(3, index.get("weight_map").size());

        byte[] shard1 = Files.readAllBytes(out.resolve("model-00001-of-00002.safetensors"));
        long headerLen = ByteBuffer.wrap(shard1).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        String header = new String(shard1, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,5],"
                + "\"data_offsets\":[0,40]},\"b\":{\"dtype\":\"BF16\",\"shape\":[12],\"data_offsets\":[40,64]}}"), header);
        assertTrue(header.endsWith("}") || header.endsWith(" "));
        assertEquals(8 + headerLen + 64, shard1.length);

        try (Checkpoint c = Checkpoint.open(out)) {
            assertTrue(c.isSharded());
            assertEquals(List.of("a", "b", "c"), c.names());
            assertArrayEquals(ramp(10, 0), c.readFloats("a"));
            assertArrayEquals(ramp(12, 100), c.readFloats("b")); // small integers are exact in BF16
            assertArrayEquals(ramp(20, -10), c.readFloats("c"));
            assertEquals("llama", c.architecture());
        }
    }

    @Test
    void singleShardIsModelSafetensorsWithoutIndex() throws IOException {
        Path out = tmp.resolve("single");
        try (CheckpointWriter w = CheckpointWriter.create(out, List.of(t("x", DType.F32, 3)), 1L << 30, false)) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment src = a.allocate(12);
                src.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 2, 7f);
                w.writeBytes("x", 0, src.asSlice(0, 8));
                w.writeBytes("x", 8, src.asSlice(8, 4));
            }
            w.commit();
        }
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("model.safetensors"), s.map(p -> p.getFileName().toString()).toList());
        }
        try (Checkpoint c = Checkpoint.open(out)) {
            assertArrayEquals(new float[] {0, 0, 7}, c.readFloats("x"));
            assertFalse(c.isSharded());
        }
    }

    @Test
    void manyThreadsWritingChunksOfOneTensor() throws Exception {
        int n = 100_003;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) Math.sin(i);
        }
        Path out = tmp.resolve("mt");
        try (CheckpointWriter w = CheckpointWriter.create(out, List.of(t("w", DType.BF16, n)), 1L << 30, false);
                ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int s = 0; s < n; s += 997) {
                int start = s;
                fs.add(pool.submit(() -> w.writeFloats("w", start, values, start, Math.min(997, n - start))));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            w.commit();
        }
        try (Checkpoint c = Checkpoint.open(out)) {
            float[] back = c.readFloats("w");
            for (int i = 0; i < n; i++) {
                assertEquals(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(values[i])), back[i], "element " + i);
            }
        }
    }

    @Test
    void incompleteTensorIsCaughtAtCommit() throws IOException {
        Path out = tmp.resolve("inc");
        try (CheckpointWriter w = CheckpointWriter.create(out,
                List.of(t("done", DType.F32, 2), t("half", DType.F32, 4), t("none", DType.F32, 1)), 1L << 30, false)) {
            w.writeFloats("done", 0, ramp(2, 0), 0, 2);
            w.writeFloats("half", 0, ramp(4, 0), 0, 1);
            w.writeFloats("half", 3, ramp(4, 0), 3, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, w::commit);
            assertEquals("tensor half is incomplete: 8 of 16 bytes were written", e.getMessage());
        }
        assertEquals(List.of(), listing());
    }

    @Test
    void overlappingAndOutOfRangeWritesAreRefused() {
        try (CheckpointWriter w = CheckpointWriter.create(tmp.resolve("o"), List.of(t("x", DType.F16, 10)), 1L << 30,
                false)) {
            w.writeFloats("x", 2, ramp(4, 0), 0, 4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> w.writeFloats("x", 5, ramp(2, 0), 0, 2));
            assertTrue(e.getMessage().contains("bytes [10, 14) of tensor x were already written"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> w.writeFloats("x", 0, ramp(3, 0), 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> w.writeFloats("x", 8, ramp(3, 0), 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> w.writeFloats("x", -1, ramp(1, 0), 0, 1));
            assertThrows(IllegalArgumentException.class, () -> w.writeFloats("y", 0, ramp(1, 0), 0, 1));
            assertThrows(IllegalArgumentException.class, () -> w.writeFile("../escape", new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.writeFile("model.safetensors", new byte[0]));
        }
    }

    @Test
    void failureBeforeCommitLeavesNothingBehind() throws IOException {
        Path out = tmp.resolve("atomic");
        RuntimeException boom = new RuntimeException("merge failed");
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (CheckpointWriter w = CheckpointWriter.create(out, List.of(t("x", DType.F32, 4)), 1L << 30, false)) {
                w.writeFloats("x", 0, ramp(4, 0), 0, 2);
                w.writeFile("config.json", new byte[] {'{', '}'});
                assertEquals(1, listing().size(), "only the temporary directory exists while writing");
                assertTrue(listing().getFirst().startsWith(".atomic.tmp-"), listing().toString());
                throw boom;
            }
        });
        assertEquals(boom, e);
        assertEquals(List.of(), listing());
    }

    @Test
    void existingOutputIsRefusedBeforeAnyWorkUnlessOverwriting() throws IOException {
        Path out = tmp.resolve("exists");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        UserError e = assertThrows(UserError.class,
                () -> CheckpointWriter.create(out, List.of(t("x", DType.F32, 1)), 1L << 30, false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(List.of("exists"), listing(), "no temporary directory was created");

        try (CheckpointWriter w = CheckpointWriter.create(out, List.of(t("x", DType.F32, 1)), 1L << 30, true)) {
            w.writeFloats("x", 0, new float[] {5f}, 0, 1);
            assertTrue(Files.exists(out.resolve("old.txt")), "old output intact until commit");
            w.commit();
        }
        assertEquals(List.of("exists"), listing(), "old directory removed, no temporary left");
        assertFalse(Files.exists(out.resolve("old.txt")));
        try (Checkpoint c = Checkpoint.open(out)) {
            assertArrayEquals(new float[] {5f}, c.readFloats("x"));
        }
    }

    @Test
    void closeWithoutCommitAfterOverwriteKeepsTheOldOutput() throws IOException {
        Path out = tmp.resolve("keep");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        try (CheckpointWriter w = CheckpointWriter.create(out, List.of(t("x", DType.F32, 1)), 1L << 30, true)) {
            w.writeFloats("x", 0, new float[] {5f}, 0, 1);
        }
        assertEquals(List.of("keep"), listing());
        assertEquals("old", Files.readString(out.resolve("old.txt")));
    }

    @Test
    void planIsValidated() {
        Path out = tmp.resolve("p");
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointWriter.create(out, List.of(t("x", DType.F32, 1), t("x", DType.F32, 2)), 100, false));
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointWriter.create(out, List.of(t("x", DType.F32, 1)), 0, false));
        assertFalse(Files.exists(out));
    }
}
