package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
        writeAtomically(f, ResultsJson.bytes(ResultsJson.write(r)));
        return f;
    }

    /** Writes {@code bytes} to a temporary file beside {@code target}, forces it to disk and renames it. */
    public static void writeAtomically(Path target, byte[] bytes) {
        Path parent = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            // Not Files.createTempFile: its 0600 would outlive the rename; CREATE_NEW applies the umask.
            Path fresh = parent.resolve("." + target.getFileName() + "."
                    + Long.toUnsignedString(new java.security.SecureRandom().nextLong(), 36) + ".tmp");
            try (var ch = java.nio.channels.FileChannel.open(fresh, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.CREATE_NEW)) {
                tmp = fresh;
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The write already failed and is being reported; a stray temp file is harmless.
                }
            }
        }
    }

    private static String prefix(String hash) {
        String clean = hash.replaceAll("[^A-Za-z0-9]", "");
        return clean.length() > 16 ? clean.substring(0, 16) : clean;
    }
}
