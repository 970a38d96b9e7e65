package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path tmp;

    /** Two shards: a (F32[4]) and b (BF16[4]) in shard 1, c (F16[2,2]) in shard 2. */
    private Path sharded() {
        Path out = tmp.resolve("sharded");
        List<TensorInfo> plan = List.of(new TensorInfo("a", DType.F32, new long[] {4}),
                new TensorInfo("b", DType.BF16, new long[] {4}), new TensorInfo("c", DType.F16, new long[] {2, 2}));
        try (CheckpointWriter w = CheckpointWriter.create(out, plan, 24, false)) {
            w.writeFloats("a", 0, new float[] {1, 2, 3, 4}, 0, 4);
            w.writeFloats("b", 0, new float[] {-1, 0.5f, 0.25f, 8}, 0, 4);
            w.writeFloats("c", 0, new float[] {0.1f, 0.2f, 0.3f, 65504}, 0, 4);
            w.writeFile("config.json", ("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
                    + "\"num_hidden_layers\":2}").getBytes(StandardCharsets.UTF_8));
            w.commit();
        }
        return out;
    }

    private static UserError assertMessage(Path p, String... fragments) {
        UserError e = assertThrows(UserError.class, () -> Checkpoint.open(p).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "expected '" + f + "' in: " + e.getMessage());
        }
        return e;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void readsShardedCheckpointInChunksAndAsWholeTensors() {
        try (Checkpoint c = Checkpoint.open(sharded())) {
            assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"),
                    c.weightFiles());
            float[] buf = new float[5];
            c.readFloats("a", 1, buf, 2, 3);
            assertArrayEquals(new float[] {0, 0, 2, 3, 4}, buf);
            assertArrayEquals(new float[] {-1, 0.5f, 0.25f, 8}, c.readFloats("b"));
            float[] cv = c.readFloats("c");
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.1f)), cv[0]);
            assertEquals(65504f, cv[3]);
            assertThrows(IndexOutOfBoundsException.class, () -> c.readFloats("a", 2, buf, 0, 3));
            assertEquals("LlamaForCausalLM", c.architecture());
            assertEquals(2, c.numHiddenLayers());
            assertTrue(c.fileOf("c").endsWith("model-00002-of-00002.safetensors"));
            UserError e = assertThrows(UserError.class, () -> c.info("d"));
            assertTrue(e.getMessage().contains("'d'"), e.getMessage());
        }
    }

    @Test
    void hashesCoverWeightsAndConfigAndMatchSha256sum() throws Exception {
        Path dir = sharded();
        try (Checkpoint c = Checkpoint.open(dir)) {
            Map<String, String> h = c.fileHashes();
            assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                    Checkpoint.INDEX_FILE), List.copyOf(h.keySet()));
            for (String f : h.keySet()) {
                assertEquals(sha256(Files.readAllBytes(dir.resolve(f))), h.get(f), f);
            }
            String sums = h.get("config.json") + "  config.json\n"
                    + h.get("model-00001-of-00002.safetensors") + "  model-00001-of-00002.safetensors\n"
                    + h.get("model-00002-of-00002.safetensors") + "  model-00002-of-00002.safetensors\n";
            assertEquals(sha256(sums.getBytes(StandardCharsets.UTF_8)), c.contentHash());
            assertEquals(c.contentHash(), c.contentHash());
        }
        // Any change to config.json changes the content hash.
        String before;
        try (Checkpoint c = Checkpoint.open(dir)) {
            before = c.contentHash();
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"llama\"}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertTrue(!before.equals(c.contentHash()));
        }
    }

    @Test
    void indexNamingAMissingShardIsRefused() throws IOException {
        Path dir = sharded();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertMessage(dir, "lists shard model-00002-of-00002.safetensors (for tensor 'c')", "does not exist");
    }

    @Test
    void tensorInTheWrongShardIsRefused() throws IOException {
        Path dir = sharded();
        Path index = dir.resolve(Checkpoint.INDEX_FILE);
        String json = Files.readString(index).replace("\"b\" : \"model-00001-of-00002.safetensors\"",
                "\"b\" : \"model-00002-of-00002.safetensors\"");
        Files.writeString(index, json);
        assertMessage(dir, "maps tensor 'b' to model-00002-of-00002.safetensors, but it is in "
                + "model-00001-of-00002.safetensors");
    }

    @Test
    void tensorMissingFromTheIndexOrInTwoShardsIsRefused() throws IOException {
        Path dir = sharded();
        Path index = dir.resolve(Checkpoint.INDEX_FILE);
        String original = Files.readString(index);
        Files.writeString(index, original.replace("\"a\" : \"model-00001-of-00002.safetensors\",", ""));
        assertMessage(dir, "tensor 'a' is in shard model-00001-of-00002.safetensors but not in");

        Files.writeString(index, original.replace("\"c\" : \"model-00002-of-00002.safetensors\"",
                "\"c\" : \"model-00002-of-00002.safetensors\", \"x\" : \"model-00002-of-00002.safetensors\""));
        assertMessage(dir, "maps tensor 'x' to model-00002-of-00002.safetensors, but no shard holds it");

        // Replace shard 2 by a copy of shard 1 under a second name: a and b are then in two shards.
        Files.copy(dir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00002-of-00002.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(index, original);
        assertMessage(dir, "tensor 'a' is in two shards, model-00001-of-00002.safetensors and "
                + "model-00002-of-00002.safetensors");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"../evil.safetensors\"}}");
        assertMessage(dir, "not a file name in the checkpoint directory");
        Files.writeString(index, "{\"weight_map\":[]}");
        assertMessage(dir, "has no weight_map object");
    }

    @Test
    void pickleOnlyDirectoriesAndFilesAreRefusedInOneLine() throws IOException {
        Path dir = tmp.resolve("pickles");
        Files.createDirectories(dir);
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        Files.writeString(dir.resolve("config.json"), "{}");
        UserError e = assertMessage(dir, "pytorch_model.bin", "never loads",
                "save_pretrained(out, safe_serialization=True)");
        assertTrue(!e.getMessage().contains("\n"));
        assertMessage(dir.resolve("pytorch_model.bin"), "never loads");
        Path pt = Files.write(tmp.resolve("weights.pth"), new byte[] {1});
        assertMessage(pt, "weights.pth", "never loads");
    }

    @Test
    void missingAndEmptyDirectoriesAreClearErrors() throws IOException {
        assertMessage(tmp.resolve("nowhere"), "checkpoint", "nowhere", "does not exist");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertMessage(empty, "has neither model.safetensors nor model.safetensors.index.json");
    }

    @Test
    void weightPathsThatAreNotFilesAreReportedAsWhatTheyAre() throws Exception {
        Path dirNamed = Files.createDirectories(tmp.resolve("d1/model.safetensors"));
        assertMessage(dirNamed.getParent(), dirNamed.toString(), "is a directory, not a file");

        Path loopDir = Files.createDirectories(tmp.resolve("d2"));
        Path loop = loopDir.resolve("model.safetensors");
        Files.createSymbolicLink(loop, loop.getFileName());
        assertMessage(loopDir, loop.toString(), "symbolic link loop");
        assertMessage(loop, loop.toString(), "symbolic link loop");

        Path dangling = Files.createDirectories(tmp.resolve("d3")).resolve("model.safetensors");
        Files.createSymbolicLink(dangling, tmp.resolve("gone"));
        assertMessage(dangling.getParent(), dangling.toString(), "dangling symbolic link");

        Path fifoDir = Files.createDirectories(tmp.resolve("d4"));
        Path fifo = fifoDir.resolve("model.safetensors");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        if (mk.waitFor() == 0) {
            assertMessage(fifoDir, fifo.toString(), "is a FIFO or device, not a file");
            assertMessage(fifo, fifo.toString(), "is a FIFO or device, not a file");
        }
    }

    @Test
    void aShardThatIsADirectoryIsReportedAsSuch() throws IOException {
        Path dir = sharded();
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        Files.delete(shard);
        Files.createDirectories(shard);
        assertMessage(dir, "lists shard model-00002-of-00002.safetensors (for tensor 'c')", "is a directory");
    }

    @Test
    void singleFileOpensDirectlyAndConfigErrorsAreClear() throws IOException {
        Path dir = tmp.resolve("one");
        try (InMemoryTensors t = new InMemoryTensors()) {
            t.putF32("model.layers.0.mlp.up_proj.weight", new long[] {2}, new float[] {1, 2});
            t.putF32("model.layers.3.mlp.up_proj.weight", new long[] {2}, new float[] {3, 4});
            SyntheticCheckpoints.writeTensors(dir, t, DType.BF16, null);
        }
        try (Checkpoint c = Checkpoint.open(dir.resolve("model.safetensors"))) {
            assertEquals(dir.toAbsolutePath(), c.dir());
            assertArrayEquals(new float[] {3, 4}, c.readFloats("model.layers.3.mlp.up_proj.weight"));
            assertEquals(4, c.numHiddenLayers(), "inferred from names without config.json");
            UserError e = assertThrows(UserError.class, c::config);
            assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
            assertEquals(List.of("model.safetensors"), List.copyOf(c.fileHashes().keySet()));
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        try (Checkpoint c = Checkpoint.open(dir)) {
            UserError e = assertThrows(UserError.class, c::architecture);
            assertTrue(e.getMessage().contains("config.json is not valid JSON"), e.getMessage());
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"mistral\"}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals("mistral", c.architecture());
            UserError e = assertThrows(UserError.class, c::numHiddenLayers);
            assertTrue(e.getMessage().contains("num_hidden_layers"), e.getMessage());
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"num_hidden_layers\": 2147483647}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            UserError e = assertThrows(UserError.class, c::config);
            assertEquals(dir.resolve("config.json") + ": num_hidden_layers is 2147483647, but the weights hold layers"
                    + " 0..3 only", e.getMessage());
        }
    }

    @Test
    void nonFloatTensorsCannotBeReadAsFloats() throws IOException {
        Path p = SafetensorsFileTest.raw(tmp.resolve("ints.safetensors"),
                "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        try (Checkpoint c = Checkpoint.open(p)) {
            UserError e = assertThrows(UserError.class, () -> c.readFloats("ids"));
            assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("I64"), e.getMessage());
        }
    }

    @Test
    void inMemoryTensorsReadFloatsThroughTheSameContract() {
        try (InMemoryTensors t = new InMemoryTensors()) {
            t.putF32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4});
            float[] out = new float[3];
            t.readFloats("w", 1, out, 1, 2);
            assertArrayEquals(new float[] {0, 2, 3}, out);
            assertThrows(IndexOutOfBoundsException.class, () -> t.readFloats("w", 3, out, 0, 2));
        }
    }
}
