package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void sizesReadAsMergekitAndSiUnits() {
        assertEquals(500_000_000L, Sizes.parse("--max-shard-size", "500M"));
        assertEquals(5_000_000_000L, Sizes.parse("--max-shard-size", "5B"));
        assertEquals(2L << 30, Sizes.parse("--max-shard-size", "2GiB"));
        UserError e = assertThrows(UserError.class, () -> Sizes.parse("--max-shard-size", "3 parsecs"));
        assertTrue(e.getMessage().startsWith("--max-shard-size: unknown size unit 'parsecs'"), e.getMessage());
    }

}
