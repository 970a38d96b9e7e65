package dev.evomerge.cluster;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.search.RunContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Finds a run's source checkpoints on this worker: at the coordinator's path when the checkpoint there has the same
 * content hash, else any checkpoint with that hash under the worker's model roots. Hashes are cached across runs by
 * path, size and modification time, so a worker pays for hashing a checkpoint once.
 */
final class SourceLocator {
    private static final int MAX_DEPTH = 4;

    private final List<Path> roots;
    private Map<String, Path> index;

    SourceLocator(List<Path> roots) {
        this.roots = roots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** Coordinator paths to this worker's directories for every source of {@code context}. */
    synchronized UnaryOperator<Path> locate(RunContext context, String worker) {
        Map<Path, Path> found = new HashMap<>();
        for (RunContext.Source s : context.sources()) {
            Path path = Path.of(s.path());
            String here = hashAt(path);
            if (s.contentHash().equals(here)) {
                found.put(path, path);
                continue;
            }
            Path match = index(false).get(s.contentHash());
            if (match == null || !s.contentHash().equals(hashAt(match))) {
                // Not indexed, or the directory indexed for it holds other weights now: look again.
                match = index(true).get(s.contentHash());
            }
            if (match == null) {
                throw new UserError("worker " + worker + " cannot find source '" + s.name() + "' (" + path
                        + ", content hash " + s.contentHash().substring(0, 12) + "): "
                        + (here == null ? "no checkpoint at that path" : "the checkpoint at that path has other weights")
                        + (roots.isEmpty() ? " and the worker has no models directory to search"
                        : " and none with that content hash under " + roots));
            }
            found.put(path, match);
        }
        return p -> found.getOrDefault(p.toAbsolutePath().normalize(), p);
    }

    private Map<String, Path> index(boolean refresh) {
        if (index == null || refresh) {
            Map<String, Path> found = new HashMap<>();
            for (Path root : roots) {
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try {
                    // Links followed: model roots and model directories are often links to the disk that holds
                    // them. A directory that cannot be read (lost+found on a mount point) or a link loop is skipped,
                    // not a reason to search nothing.
                    Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), MAX_DEPTH,
                            new SimpleFileVisitor<>() {
                                @Override
                                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                                    add(d); // and below: a training run's checkpoints nest in its output
                                    return FileVisitResult.CONTINUE;
                                }

                                @Override
                                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                                    if (attrs.isDirectory()) {
                                        add(f); // a directory at the depth limit
                                    }
                                    return FileVisitResult.CONTINUE;
                                }

                                @Override
                                public FileVisitResult visitFileFailed(Path f, IOException e) {
                                    return FileVisitResult.CONTINUE;
                                }

                                private void add(Path d) {
                                    String h = looksLikeCheckpoint(d) ? hashAt(d) : null;
                                    if (h != null) {
                                        found.putIfAbsent(h, d.toAbsolutePath().normalize());
                                    }
                                }
                            });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            index = found;
        }
        return index;
    }

    private static boolean looksLikeCheckpoint(Path dir) {
        if (!Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve("config.json"))) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The content hash of the checkpoint at {@code dir}, or null when there is none (or it cannot be read). */
    private static String hashAt(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Checkpoint c = Checkpoint.open(dir)) {
            return c.contentHash();
        } catch (UserError | UncheckedIOException e) {
            return null;
        }
    }
}
