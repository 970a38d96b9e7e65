package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Scores on disk, one JSON file per (model content hash, suite hash, slice, limit), so a source model's baseline is
 * computed once however many candidates are gated against it. A file is written to a temporary name and renamed,
 * so a half-written result is never read; a file whose recorded identity differs from the key, or that does not
 * parse, is a miss and is overwritten.
 */
public final class ResultCache {
    /** The default location, relative to the working directory. */
    public static final Path DEFAULT_DIR = Path.of("results", ".cache", "eval");

    private final Path dir;

    public ResultCache(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    public Path dir() {
        return dir;
    }

    /** The file for a key: short hash prefixes keep names readable; the full identity is checked on load. */
    public Path file(String modelHash, String suiteHash, String slice, int limit) {
        return dir.resolve(prefix(modelHash) + "-" + prefix(suiteHash) + "-" + slice + "-"
                + (limit > 0 ? "limit" + limit : "all") + ".json");
    }

    public Optional<SuiteResult> load(String modelHash, String suiteHash, String slice, int limit) {
        Path f = file(modelHash, suiteHash, slice, limit);
        try {
            JsonNode node = ResultsJson.JSON.readTree(Files.readAllBytes(f));
            SuiteResult r = ResultsJson.read(node);
            if (r.modelHash().equals(modelHash) && r.suiteHash().equals(suiteHash) && r.slice().equals(slice)
                    && r.limit() == limit) {
                return Optional.of(r);
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // An unreadable or foreign file is a miss: the score is recomputed and the file replaced.
            return Optional.empty();
        }
    }

    public Path store(SuiteResult r) {
        Path f = file(r.modelHash(), r.suiteHash(), r.slice(), r.limit());
        AtomicFiles.write(f, Json.pretty(ResultsJson.write(r)));
        return f;
    }

    private static String prefix(String hash) {
        String clean = hash.replaceAll("[^A-Za-z0-9]", "");
        return clean.length() > 16 ? clean.substring(0, 16) : clean;
    }
}
