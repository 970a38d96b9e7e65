package dev.evomerge.search;

import dev.evomerge.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per run: an exclusive OS lock on {@code run.lock} in the run directory, held while a search, sweep,
 * resume or finish writes the run and released by the OS when the process dies, kill -9 included. The file names the
 * holder (pid and start time) so that a refused process can say who holds the run. The file itself is never deleted:
 * a process that opened it just before the deletion would lock an orphan while a third locks a new file.
 *
 * <p>OS file locks belong to the process, and on Linux closing any descriptor of the file drops them all; so this
 * process tracks its own held runs and refuses a second holder here without opening the file again.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    /** Runs locked by this process (real path of the lock file to its holder line). */
    private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code runDir} (created if missing) or refuses with one line naming the holder. */
    public static RunLock acquire(Path runDir) {
        Path file;
        try {
            Files.createDirectories(runDir);
            file = runDir.toRealPath().resolve(FILE);
        } catch (IOException e) {
            throw new UserError("cannot create the run directory " + runDir + ": " + e.getMessage(), e);
        }
        String me = holder();
        String other = HELD_HERE.putIfAbsent(file, me);
        if (other != null) {
            throw busy(runDir, other);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String line = read(ch);
                ch.close();
                throw busy(runDir, line.isBlank() ? "another process" : line);
            }
            ch.truncate(0);
            ByteBuffer buf = ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8));
            ch.position(0);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
            return new RunLock(file, ch, lock);
        } catch (IOException e) {
            HELD_HERE.remove(file);
            closeQuietly(ch);
            throw new UserError("cannot lock run " + runDir + " (" + file + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            HELD_HERE.remove(file);
            closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Who holds {@code runDir}'s lock, if anyone: this process (without touching the file, whose closing would drop
     * the lock), or another one, found by a shared probe lock that is released at once and never waits. Empty for a
     * directory without a lock file, or one whose writer has ended (the OS released its lock).
     */
    public static java.util.Optional<String> holder(Path runDir) {
        Path file;
        try {
            file = runDir.toRealPath().resolve(FILE);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        String here = HELD_HERE.get(file);
        if (here != null) {
            return java.util.Optional.of(here);
        }
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
            if (probe != null) {
                probe.release();
                return java.util.Optional.empty();
            }
            String line = read(ch);
            return java.util.Optional.of(line.isBlank() ? "another process" : line);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return java.util.Optional.of(holder());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static UserError busy(Path runDir, String holder) {
        return new UserError("run " + runDir + " is in use by " + holder + "; one process at a time may write a run,"
                + " so wait for it to end (or stop it) and resume then");
    }

    /** This process as the lock file names it. */
    private static String holder() {
        ProcessHandle self = ProcessHandle.current();
        return "process " + self.pid() + " (started " + self.info().startInstant().map(Instant::toString)
                .orElse("at an unknown time") + ")";
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(512);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing with the first error
            }
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + file, e);
        } finally {
            HELD_HERE.remove(file);
        }
    }
}
