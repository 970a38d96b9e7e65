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
}
