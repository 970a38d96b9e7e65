package dev.evomerge.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoHelpersTest {
    @TempDir
    Path dir;

    @Test
    void atomicWriteReplacesTheFileAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("sub/out.txt");
        AtomicFiles.write(f, "first");
        AtomicFiles.write(f, "second".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("second".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void atomicWriteIntoAFileIsAUserErrorNamingTheTarget() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "x");
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.write(blocker.resolve("out.txt"), "y"));
        assertTrue(e.getMessage().startsWith("cannot write " + blocker.resolve("out.txt")), e.getMessage());
    }

    @Test
    void sha256MatchesFips180Examples() throws Exception {
        // FIPS 180-2, appendix B.1 ("abc") and the empty message.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256.of(new byte[0]));
        Path f = dir.resolve("abc");
        Files.writeString(f, "abc");
        assertEquals(Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)), Sha256.ofFile(f));
        UserError e = assertThrows(UserError.class, () -> Sha256.ofFile(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
