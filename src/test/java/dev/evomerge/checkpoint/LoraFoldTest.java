package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PEFT LoRA adapters folded on read, against goldens computed in float64 by numpy (make_goldens.py next to the
 * fixtures): {@code W + s·B@A} with {@code s = alpha/r} (r 4), {@code alpha/sqrt(r)} (r 8 rslora, with a rank and
 * alpha pattern, an embedding and a modules_to_save tensor), and fan_in_fan_out.
 */
class LoraFoldTest {
    @TempDir
    Path tmp;
    private int edits;

    static Path fixture(String name) {
        try {
            return Path.of(LoraFoldTest.class.getResource("lora/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"r4", "r8-rslora", "fan-in-fan-out"})
    void foldsEqualTheFloat64Golden(String adapter) {
        try (Checkpoint base = Checkpoint.open(fixture("base"));
             Checkpoint folded = Checkpoint.open(fixture("base"), fixture(adapter));
             SafetensorsFile expected = SafetensorsFile.open(fixture(adapter).resolve("expected.safetensors"))) {
            assertEquals(base.names(), folded.names());
            for (String name : folded.names()) {
                float[] got = folded.readFloats(name);
                if (!expected.contains(name)) {
                    assertArrayEquals(base.readFloats(name), got, 0f, name + " is not adapted");
                    continue;
                }
                double[] want = expected.bytes(name).toArray(ValueLayout.JAVA_DOUBLE);
                assertEquals(want.length, got.length, name);
                for (int i = 0; i < got.length; i++) {
                    // float32 accumulation of r products; a missed or wrong scale is off by O(1)
                    assertEquals(want[i], got[i], 2e-6 + 1e-6 * Math.abs(want[i]), name + "[" + i + "]");
                }
                folded.releasePages(name);
            }
        }
    }

    /** A BF16 base folds in float and rounds once to BF16, as PEFT's merge in the weight's dtype rounds. */
    @Test
    void bf16BaseFoldsRoundedToBf16() {
        Path bf16 = tmp.resolve("base-bf16");
        try (Checkpoint base = Checkpoint.open(fixture("base"))) {
            SyntheticCheckpoints.writeTensors(bf16, base, DType.BF16, null);
        }
        try (Checkpoint base = Checkpoint.open(bf16);
             Checkpoint folded = Checkpoint.open(bf16, fixture("r4"));
             Checkpoint f32 = Checkpoint.open(fixture("base"));
             SafetensorsFile expected = SafetensorsFile.open(fixture("r4").resolve("expected.safetensors"))) {
            for (String name : expected.names()) {
                assertEquals(DType.BF16, folded.info(name).dtype());
                float[] got = folded.readFloats(name);
                float[] w16 = base.readFloats(name);
                float[] w32 = f32.readFloats(name);
                double[] want = expected.bytes(name).toArray(ValueLayout.JAVA_DOUBLE);
                for (int i = 0; i < got.length; i++) {
                    // the golden's delta on the BF16 weight, rounded to BF16: within one BF16 step (2^-8 relative)
                    double exact = want[i] - w32[i] + w16[i];
                    assertEquals(exact, got[i], Math.abs(exact) / 256 + 1e-6, name + "[" + i + "]");
                    assertEquals(got[i], FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(got[i])), name + " is BF16");
                }
            }
        }
    }

    @Test
    void vectorAndScalarFoldAgreeBitForBitOnEdgeSizes() {
        Random rnd = new Random(7);
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int cols : new int[] {1, lanes - 1, lanes, lanes + 1, 3 * lanes + 5}) {
            for (int r : new int[] {1, 4, 7}) {
                for (int n = 1; n <= LoraFold.ROWS; n++) {
                    float[] c = gaussian(rnd, n * r);
                    float[] basis = gaussian(rnd, r * cols);
                    float[][] v = new float[LoraFold.ROWS][];
                    float[][] s = new float[LoraFold.ROWS][];
                    for (int q = 0; q < LoraFold.ROWS; q++) {
                        v[q] = gaussian(rnd, cols);
                        s[q] = v[q].clone();
                    }
                    LoraFold.foldRows(v, n, c, 0, basis, r, 0.75f, true);
                    LoraFold.foldRows(s, n, c, 0, basis, r, 0.75f, false);
                    for (int q = 0; q < LoraFold.ROWS; q++) {
                        assertArrayEquals(s[q], v[q], 0f, "cols " + cols + " r " + r + " rows " + n + " row " + q);
                    }
                }
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        return f;
    }

    @Test
    void foldedCheckpointHasItsOwnContentIdentity() {
        try (Checkpoint base = Checkpoint.open(fixture("base"));
             Checkpoint a = Checkpoint.open(fixture("base"), fixture("r4"));
             Checkpoint b = Checkpoint.open(fixture("base"), fixture("r8-rslora"))) {
            assertNotEquals(base.contentHash(), a.contentHash());
            assertNotEquals(a.contentHash(), b.contentHash());
            assertTrue(a.fileHashes().containsKey("+adapter/adapter_model.safetensors"));
        }
    }

    /** A copy of adapter {@code name} in the temp directory, changed by {@code edit}. */
    private Path copy(String name, Consumer<Path> edit) throws IOException {
        Path dst = tmp.resolve(name + "-edited-" + edits++);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(fixture(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        edit.accept(dst);
        return dst;
    }

    private static Consumer<Path> config(String from, String to) {
        return dir -> {
            try {
                Path f = dir.resolve("adapter_config.json");
                String s = Files.readString(f);
                assertTrue(s.contains(from), s);
                Files.writeString(f, s.replace(from, to));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static String refusal(Path adapter) {
        UserError e = assertThrows(UserError.class, () -> Checkpoint.open(fixture("base"), adapter).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void badAdaptersAreRefusedWithOneLineNamingTheProblem() throws IOException {
        assertTrue(refusal(copy("r4", config("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"")))
                .contains("peft_type IA3 is not supported"));
        assertTrue(refusal(copy("r4", config("\"r\": 4,", "\"r\": 4, \"use_dora\": true,")))
                .contains("DoRA"));
        assertTrue(refusal(copy("r4", config("\"q_proj\",", "\"q_proj\", \"gate_proj\",")))
                .contains("target_modules 'gate_proj' matches no tensor"));
        assertTrue(refusal(copy("r4", config("\"r\": 4,", "\"r\": 8,")))
                .contains("module 'model.layers.0.self_attn.q_proj'"));
        assertTrue(refusal(copy("r4", config("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true")))
                .contains("has shape [24, 16]"));
        String missing = refusal(copy("r4", dir -> delete(dir.resolve("adapter_model.safetensors"))));
        assertTrue(missing.contains("has no adapter_model.safetensors"), missing);
        String noConfig = refusal(copy("r4", dir -> delete(dir.resolve("adapter_config.json"))));
        assertTrue(noConfig.contains("has no adapter_config.json"), noConfig);
        assertTrue(refusal(tmp.resolve("nowhere")).contains("does not exist"));
    }

    @Test
    void anAdapterForAnotherModelNamesTheTensorAndShape() throws IOException {
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        // q_proj 12 x 16 instead of 24 x 16: the r4 adapter's B has 24 rows.
        SafetensorsFileTest.raw(other.resolve("model.safetensors"), """
                {"model.layers.0.self_attn.q_proj.weight": {"dtype": "F32", "shape": [12, 16],
                  "data_offsets": [0, 768]},
                 "model.layers.0.self_attn.v_proj.weight": {"dtype": "F32", "shape": [8, 16],
                  "data_offsets": [768, 1280]}}""", 1280);
        UserError e = assertThrows(UserError.class, () -> Checkpoint.open(other, fixture("r4")).close());
        assertTrue(e.getMessage().contains("'model.layers.0.self_attn.q_proj.weight' has shape [12, 16]"),
                e.getMessage());
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
