package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsFileTest {
    @TempDir
    Path tmp;

    /** A safetensors file with {@code header} as JSON and {@code dataBytes} zero bytes of data. */
    static Path raw(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
        return file;
    }

    private Path rawLength(long headerLen, int totalBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(totalBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen);
        Path p = tmp.resolve("len.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void readsAValidFileInOffsetOrder() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"I64\",\"shape\":[0,3],\"data_offsets\":[12,12]}}";
        Path p = raw(tmp.resolve("ok.safetensors"), header, 12);
        // Fill the data area: a = bf16 [1.0, -2.0], b = f32 [0.5, 3.0].
        byte[] all = Files.readAllBytes(p);
        int base = all.length - 12;
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort(base, (short) 0x3F80).putShort(base + 2, (short) 0xC000);
        bb.putFloat(base + 4, 0.5f).putFloat(base + 8, 3.0f);
        Files.write(p, all);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("a", "b", "e"), f.names());
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(new TensorInfo("a", DType.BF16, new long[] {2}), f.info("a"));
            assertEquals(0, f.info("e").numel());
            MemorySegment a = f.bytes("a");
            assertEquals(4, a.byteSize());
            assertTrue(a.isReadOnly());
            float[] out = new float[2];
            FloatCodec.decode(DType.BF16, a, 0, out, 0, 2);
            assertArrayEquals(new float[] {1.0f, -2.0f}, out);
            assertArrayEquals(new float[] {0.5f, 3.0f}, f.bytes("b").toArray(
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            UserError e = assertThrows(UserError.class, () -> f.info("zzz"));
            assertTrue(e.getMessage().contains("'zzz'") && e.getMessage().contains("ok.safetensors"));
        }
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        assertMessage(p, "fewer than the 8-byte header length");
        Files.write(p, new byte[0]);
        assertMessage(p, "has 0 bytes");
    }

    @Test
    void headerLengthPastTheFile() throws IOException {
        assertMessage(rawLength(100, 50), "runs past the end of the file");
    }

    @Test
    void headerLengthAbsurd() throws IOException {
        assertMessage(rawLength(200L * 1024 * 1024, 64), "larger than the");
        assertMessage(rawLength(-1L, 64), "header length 18446744073709551615 is larger than");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{not json | invalid JSON",
        "[1,2,3] | JSON is not an object",
        "`\"x\"` | JSON is not an object",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} trailing | invalid JSON",
        "{\"__metadata__\":{\"k\":1}} | __metadata__ value of 'k' is not a string",
        "{\"__metadata__\":[\"k\"]} | __metadata__ is not an object",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
            + "\"data_offsets\":[4,8]}} | Duplicate field 'a'",
        "{\"a\":3} | tensor 'a' is not an object",
        "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}} | tensor 'a' has no dtype string",
        "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}} | tensor 'a' has unknown dtype 'F33'",
        "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}} | tensor 'a' has no shape array",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}} | tensor 'a' has an invalid shape [-1]",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}} | tensor 'a' has an invalid shape",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}} | invalid shape",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}} | overflows 64 bits",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}} | tensor 'a' has no data_offsets",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}} | tensor 'a' has no data_offsets",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}} | invalid data_offsets [-4,0]",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}} | with begin after end",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}} | past the end of the data area (8 bytes)",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}} | has 8 bytes of data but shape [1] of F32 needs 4",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F16\",\"shape\":[2],"
            + "\"data_offsets\":[2,6]}} | tensors 'a' and 'b' overlap",
    })
    void hostileHeadersAreRefusedWithAClearMessage(String header, String fragment) throws IOException {
        Path p = raw(tmp.resolve("bad.safetensors"), header.strip(), 8);
        UserError e = assertMessage(p, fragment);
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        if (header.contains("\"a\"") && !fragment.contains("Duplicate") && !fragment.contains("JSON")) {
            assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        }
    }

    /** The safetensors specification: offsets tile the data area exactly, and the last tensor ends the file. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}} | 4-byte hole before tensor 'a'",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F16\",\"shape\":[1],"
            + "\"data_offsets\":[6,8]}} | 2-byte hole before tensor 'b'",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} | 4 trailing bytes after the last tensor 'a'",
        "{\"__metadata__\":{}} | 8 trailing bytes after the last tensor",
    })
    void offsetsMustTileTheDataArea(String header, String fragment) throws IOException {
        Path p = raw(tmp.resolve("gap.safetensors"), header.strip(), 8);
        assertMessage(p, fragment);
    }

    @Test
    void headerLengthOneShortOfItsPaddingIsRefused() throws IOException {
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        String padded = json + "    ";
        Path p = raw(tmp.resolve("pad.safetensors"), padded, 4);
        SafetensorsFile.open(p).close();
        byte[] all = Files.readAllBytes(p);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded.length() - 1);
        Files.write(p, all);
        assertMessage(p, "1 trailing byte after the last tensor 'a'");
    }

    @Test
    void missingFileIsAUserError() {
        assertMessage(tmp.resolve("nope.safetensors"), "does not exist");
    }

    private static UserError assertMessage(Path p, String fragment) {
        UserError e = assertThrows(UserError.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }
}
