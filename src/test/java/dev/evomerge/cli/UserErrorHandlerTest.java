package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class UserErrorHandlerTest {
    @Command(name = "fails")
    record Failing(RuntimeException thrown) implements Callable<Integer> {
        @Override
        public Integer call() {
            throw thrown;
        }
    }

    private static CommandRun run(RuntimeException e) {
        return CommandRun.of(new Failing(e));
    }

    @Test
    void aFullDiskIsOneLineNamingThePathAndExit3() {
        CommandRun r = run(new UncheckedIOException("cannot append to journal /runs/r/journal.jsonl",
                new IOException("No space left on device")));
        assertEquals(3, r.exit(), r.err());
        assertEquals("evomerge: cannot append to journal /runs/r/journal.jsonl: no space left on device\n", r.err());
    }

    @Test
    void aFullDiskNamesTheFileOfAFileSystemException() {
        CommandRun r = run(new UncheckedIOException(new FileSystemException("/out/model.safetensors", null,
                "No space left on device")));
        assertEquals(3, r.exit(), r.err());
        assertEquals("evomerge: cannot write /out/model.safetensors: no space left on device\n", r.err());
    }

    @Test
    void otherIoFailuresStayInternal() {
        CommandRun r = run(new UncheckedIOException(new IOException("Input/output error")));
        assertEquals(UserErrorHandler.EXIT_INTERNAL, r.exit());
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndExit3() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine oom = new picocli.CommandLine(new Oom());
        oom.setErr(new java.io.PrintWriter(err));
        oom.setExecutionExceptionHandler(new UserErrorHandler());
        assertEquals(3, Main.execute(oom));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("evomerge: out of memory (Java heap space)"), err.toString());
    }

    @Command(name = "oom")
    static final class Oom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }
}
