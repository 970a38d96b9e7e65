package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashCacheTest {
    @TempDir
    Path dir;

    private final String previous = System.getProperty("evomerge.cache.dir");

    @AfterEach
    void restore() {
        if (previous == null) {
            System.clearProperty("evomerge.cache.dir");
        } else {
            System.setProperty("evomerge.cache.dir", previous);
        }
    }

    @Test
    void aHashIsComputedOnceUntilTheFileChanges() throws IOException {
        System.setProperty("evomerge.cache.dir", dir.resolve("cache").toString());
        Path f = Files.writeString(dir.resolve("w.safetensors"), "weights");
        AtomicInteger computed = new AtomicInteger();
        String a = HashCache.sha256(f, () -> {
            computed.incrementAndGet();
            return "a".repeat(64);
        });
        String b = HashCache.sha256(f, () -> {
            computed.incrementAndGet();
            return "f".repeat(64);
        });
        assertEquals("a".repeat(64), b, "the second lookup is a cache hit");
        assertEquals(a, b);
        assertEquals(1, computed.get());
        assertEquals(1, Files.readAllLines(dir.resolve("cache/file-hashes.tsv")).size(), "persisted for later runs");

        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));
        assertEquals("e".repeat(64), HashCache.sha256(f, () -> "e".repeat(64)), "a touched file is hashed again");
    }

    @Test
    void noneDisablesTheCache() throws IOException {
        System.setProperty("evomerge.cache.dir", "none");
        Path f = Files.writeString(dir.resolve("x"), "x");
        AtomicInteger computed = new AtomicInteger();
        HashCache.sha256(f, () -> String.valueOf(computed.incrementAndGet()));
        HashCache.sha256(f, () -> String.valueOf(computed.incrementAndGet()));
        assertEquals(2, computed.get());
    }

    @Test
    void aFailedSaveLeavesNoTemporaryFile() throws IOException {
        Path cache = dir.resolve("cache-blocked");
        System.setProperty("evomerge.cache.dir", cache.toString());
        // The cache file's name is taken by a non-empty directory, so the final rename fails.
        Files.createDirectories(cache.resolve("file-hashes.tsv/x"));
        Path f = Files.writeString(dir.resolve("y"), "y");
        assertEquals("c".repeat(64), HashCache.sha256(f, () -> "c".repeat(64)));
        try (var s = Files.list(cache)) {
            assertEquals(java.util.List.of("file-hashes.tsv"), s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
