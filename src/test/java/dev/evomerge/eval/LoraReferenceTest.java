package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A {@code base+adapter} reference written as one path opens the base with the adapter folded in, wherever a
 * checkpoint directory is accepted (eval, gates, the finish: they all open through {@link Checkpoint#open(Path)} and
 * {@link ModelProvider}), and names its own content.
 */
class LoraReferenceTest {
    private static Path fixture(String name) {
        try {
            return Path.of(LoraReferenceTest.class.getResource("/dev/evomerge/checkpoint/lora/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path reference() {
        return Path.of(fixture("base") + "+" + fixture("r4"));
    }

    @Test
    void aReferenceOpensTheFoldedCheckpoint() {
        try (Checkpoint folded = Checkpoint.open(fixture("base"), fixture("r4"));
             Checkpoint viaPath = Checkpoint.open(reference());
             Checkpoint base = Checkpoint.open(fixture("base"))) {
            assertEquals(folded.names(), viaPath.names());
            boolean changed = false;
            for (String name : folded.names()) {
                assertArrayEquals(folded.readFloats(name), viaPath.readFloats(name), name);
                changed |= !java.util.Arrays.equals(base.readFloats(name), viaPath.readFloats(name));
            }
            assertTrue(changed, "the adapter changes some tensor");
            assertEquals(fixture("r4"), viaPath.adapterDir().orElseThrow());
        }
    }

    @Test
    void theProviderAcceptsAndNamesAReference() {
        assertEquals(reference(), ModelProvider.requireDirectory(reference(), "model"));
        assertNotEquals(ModelProvider.checkpointIdentity(fixture("base")),
                ModelProvider.checkpointIdentity(reference()));
        assertEquals(ModelProvider.checkpointIdentity(reference()), ModelProvider.checkpointIdentity(reference()));
    }

    @Test
    void aPlusInAMissingPathIsStillAMissingDirectory() {
        UserError e = assertThrows(UserError.class,
                () -> ModelProvider.requireDirectory(Path.of("no-such-base+" + fixture("r4")), "model"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
