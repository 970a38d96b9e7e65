package dev.evomerge.checkpoint;

import dev.evomerge.UserError;
import dev.evomerge.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * SHA-256 of large files, remembered across runs by (absolute path, size, modification time), as git and rsync decide
 * that a file is unchanged. Hashing a 1 GB checkpoint costs about a second per core; a sweep or a search finish writes
 * many merges of the same sources and should pay it once. The cache is a small TSV under
 * {@code $EVOMERGE_CACHE_DIR} (system property {@code evomerge.cache.dir}), else {@code ~/.cache/evomerge}; the value
 * {@code none} disables it. A damaged cache file is ignored, never trusted.
 */
final class HashCache {
    private static final String FILE = "file-hashes.tsv";
    private static final Map<Path, Map<String, String>> CACHES = new HashMap<>();

    private HashCache() {
    }

    static String sha256(Path file, Supplier<String> compute) {
        Path dir = directory();
        String key;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            key = a.size() + "\t" + a.lastModifiedTime().toMillis() + "\t" + file.toAbsolutePath().normalize();
        } catch (IOException e) {
            return compute.get();
        }
        if (dir == null) {
            return compute.get();
        }
        synchronized (HashCache.class) {
            String hit = load(dir).get(key);
            if (hit != null) {
                return hit;
            }
        }
        String hex = compute.get();
        synchronized (HashCache.class) {
            load(dir).put(key, hex);
            save(dir);
        }
        return hex;
    }

    private static Path directory() {
        String configured = System.getProperty("evomerge.cache.dir", System.getenv("EVOMERGE_CACHE_DIR"));
        if ("none".equals(configured)) {
            return null;
        }
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".cache", "evomerge");
    }

    private static Map<String, String> load(Path dir) {
        Map<String, String> entries = CACHES.get(dir);
        if (entries == null) {
            entries = new HashMap<>();
            CACHES.put(dir, entries);
            try {
                for (String line : Files.readAllLines(dir.resolve(FILE), StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab == 64 && line.substring(0, 64).matches("[0-9a-f]{64}")) {
                        entries.put(line.substring(65), line.substring(0, 64));
                    }
                }
            } catch (IOException | RuntimeException e) {
                entries.clear(); // no cache yet, or unreadable: start afresh
            }
        }
        return entries;
    }

    private static void save(Path dir) {
        StringBuilder sb = new StringBuilder();
        CACHES.get(dir).forEach((k, v) -> sb.append(v).append('\t').append(k).append('\n'));
        try {
            AtomicFiles.write(dir.resolve(FILE), sb.toString());
        } catch (UserError e) {
            // A cache that cannot be written only costs time on the next run (a full disk is reported by the write
            // that matters).
        }
    }
}
