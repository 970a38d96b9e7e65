package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.cli.CommandRun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merges that would write NaN or ±Inf are refused naming the tensor, or written with a warning when allowed. */
class NonFiniteTest {
    private static final SyntheticCheckpoints.Dims DIMS = new SyntheticCheckpoints.Dims(40, 16, 24, 4, 4, 2, false, false);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, DType.F32, 11);
        base.fineTune(1, 0.5).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.5).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.5).write(dir.resolve("nan"), Long.MAX_VALUE, 1);
        poison(dir.resolve("nan/model.safetensors"), "model.layers.1.mlp.up_proj.weight", 5, Float.NaN);
    }

    /** Overwrites element {@code index} of F32 tensor {@code name} in place. */
    static void poison(Path file, String name, int index, float value) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) bb.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, headerLen, StandardCharsets.UTF_8));
        long begin = header.get(name).get("data_offsets").get(0).longValue();
        bb.putFloat((int) (8 + headerLen + begin + 4L * index), value);
        Files.write(file, all);
    }

    private static String linear(String second, String weight) {
        return """
                merge_method: linear
                parameters: {normalize: false}
                models:
                  - model: a
                    parameters: {weight: 1.0}
                  - model: %s
                    parameters: {weight: %s}
                """.formatted(second, weight);
    }

    @Test
    void anOverflowingWeightIsRefusedNamingTheTensor() throws IOException {
        MergeCommandTest.Run r = mergeIn(linear("b", "1e308"), "overflow");
        assertEquals(3, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("merged tensor 'model.") && r.err().contains("overflowed float32"), r.err());
        assertTrue(r.err().contains("--allow-nonfinite"), r.err());
        assertFalse(Files.exists(dir.resolve("overflow")), "nothing is written");
    }

    @Test
    void aSourceHoldingNaNIsNamed() throws IOException {
        MergeCommandTest.Run r = mergeIn(linear("nan", "0.5"), "from-nan");
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().contains("'model.layers.1.mlp.up_proj.weight' has NaN at element 5"), r.err());
        assertTrue(r.err().contains("source " + dir.resolve("nan")), r.err());
        assertFalse(Files.exists(dir.resolve("from-nan")));
    }

    @Test
    void allowNonFiniteWritesWithOneWarningPerTensor() throws IOException {
        MergeCommandTest.Run r = mergeIn(linear("nan", "0.5"), "allowed", "--allow-nonfinite", "-q");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("warning: ")).count(), r.err());
        try (Checkpoint c = Checkpoint.open(dir.resolve("allowed"))) {
            assertTrue(Float.isNaN(c.readFloats("model.layers.1.mlp.up_proj.weight")[5]));
        }
    }

    @Test
    void anOverflowEverywhereWarnsAFewLinesNotOnePerTensor() throws IOException {
        MergeCommandTest.Run r = mergeIn(linear("b", "1e308"), "overflow-allowed", "--allow-nonfinite", "-q");
        assertEquals(0, r.exit(), r.err());
        List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(6, warnings.size(), r.err());
        assertEquals("warning: more merged tensors hold NaN or Inf; only the first 5 are listed", warnings.get(5));
    }

    @Test
    void finiteCheckSimdAgreesWithScalarOnEdgeSizes() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int len : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 1000}) {
            float[] v = new float[len + 3];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian() * 1e30f;
            }
            assertTrue(NonFinite.allFinite(v, 3, len, true) && NonFinite.allFinite(v, 3, len, false));
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int at : len == 0 ? new int[0] : new int[] {0, len / 2, len - 1}) {
                    float[] w = Arrays.copyOf(v, v.length);
                    w[3 + at] = bad;
                    assertFalse(NonFinite.allFinite(w, 3, len, true), len + " " + at + " " + bad);
                    assertFalse(NonFinite.allFinite(w, 3, len, false), len + " " + at + " " + bad);
                    assertEquals(at, NonFinite.first(w, 3, len));
                }
            }
            // Large finite values must not overflow the check itself.
            Arrays.fill(v, Float.MAX_VALUE);
            assertTrue(NonFinite.allFinite(v, 0, v.length, true) && NonFinite.allFinite(v, 0, v.length, false));
        }
    }

    private static MergeCommandTest.Run mergeIn(String yaml, String outName, String... extra) throws IOException {
        Path recipe = dir.resolve(outName + ".yaml");
        Files.writeString(recipe, yaml);
        String[] args = new String[3 + extra.length];
        args[0] = "merge";
        args[1] = recipe.toString();
        args[2] = dir.resolve(outName).toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        CommandRun r = CommandRun.main(args);
        return new MergeCommandTest.Run(r.exit(), r.out(), r.err());
    }
}
