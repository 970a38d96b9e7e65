package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.SyntheticCheckpoints.Dims;
import dev.evomerge.checkpoint.SyntheticCheckpoints.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCheckpointsTest {
    @TempDir
    Path tmp;

    /** 2 layers, hidden 64: about 150k parameters, several chunks per big tensor with a small shard limit. */
    private static final Dims DIMS = new Dims(1000, 64, 160, 2, 8, 2, false, false);

    @Test
    void sameSeedGivesSameBytesWhateverTheThreadCount() throws IOException {
        Model m = Model.base(DIMS, DType.BF16, 7);
        Path one = m.write(tmp.resolve("one"), 100_000, 1);
        Path three = m.write(tmp.resolve("three"), 100_000, 3);
        List<String> files;
        try (var s = Files.list(one)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(files.size() > 3, "sharded: " + files);
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(three.resolve(f)), f);
        }
        Path other = Model.base(DIMS, DType.BF16, 8).write(tmp.resolve("other"), 100_000, 2);
        try (Checkpoint a = Checkpoint.open(one); Checkpoint b = Checkpoint.open(three);
                Checkpoint c = Checkpoint.open(other)) {
            assertEquals(a.contentHash(), b.contentHash());
            assertFalse(a.contentHash().equals(c.contentHash()), "a different seed gives different weights");
        }
    }

    @Test
    void scalesAreLikeARealModelAndFineTunesAreSmallDeltas() {
        Model base = Model.base(DIMS, DType.F32, 3);
        Model ft = base.fineTune(11, 0.01);
        Path b = base.write(tmp.resolve("base"), Long.MAX_VALUE, 2);
        Path f = ft.write(tmp.resolve("ft"), Long.MAX_VALUE, 2);
        try (Checkpoint cb = Checkpoint.open(b); Checkpoint cf = Checkpoint.open(f)) {
            float[] w = cb.readFloats("model.layers.1.mlp.down_proj.weight");
            float[] w2 = cf.readFloats("model.layers.1.mlp.down_proj.weight");
            double sum = 0;
            double sq = 0;
            double dsq = 0;
            for (int i = 0; i < w.length; i++) {
                sum += w[i];
                sq += (double) w[i] * w[i];
                double d = w2[i] - w[i];
                dsq += d * d;
                assertTrue(Math.abs(w[i]) <= 0.02 * 3.47, "Irwin-Hall(4) is bounded by 3.46 std");
                assertEquals(base.value("model.layers.1.mlp.down_proj.weight", i), w[i]);
                assertEquals(ft.value("model.layers.1.mlp.down_proj.weight", i), w2[i]);
            }
            int n = w.length; // 10240 samples: the std estimate is within ~2% (5 sigma of its sampling error)
            assertEquals(0, sum / n, 5 * 0.02 / Math.sqrt(n));
            assertEquals(0.02, Math.sqrt(sq / n), 0.02 * 5 / Math.sqrt(2.0 * n));
            assertEquals(0.01 * 0.02, Math.sqrt(dsq / n), 0.0002 * 5 / Math.sqrt(2.0 * n) + 1e-9);
            float[] norm = cb.readFloats("model.layers.0.input_layernorm.weight");
            for (float v : norm) {
                assertEquals(1.0f, v);
            }
            float[] ftNorm = cf.readFloats("model.norm.weight");
            for (float v : ftNorm) {
                assertEquals(1.0, v, 0.01 * 3.47);
            }
        }
    }

    @Test
    void layoutAndConfigMatchTheDimensions() {
        Dims qwen = new Dims(96, 32, 48, 3, 4, 2, true, true);
        Path dir = Model.base(qwen, DType.F16, 1).write(tmp.resolve("qwen"), Long.MAX_VALUE, 1);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(1 + 3 * 12 + 1, c.names().size(), "embed + 12 per layer + norm, tied head");
            assertFalse(c.contains("lm_head.weight"));
            assertEquals(new TensorInfo("model.layers.2.self_attn.k_proj.weight", DType.F16, new long[] {16, 32}),
                    c.info("model.layers.2.self_attn.k_proj.weight"));
            assertEquals(new TensorInfo("model.layers.0.self_attn.q_proj.bias", DType.F16, new long[] {32}),
                    c.info("model.layers.0.self_attn.q_proj.bias"));
            assertEquals(new TensorInfo("model.layers.0.mlp.down_proj.weight", DType.F16, new long[] {32, 48}),
                    c.info("model.layers.0.mlp.down_proj.weight"));
            ObjectNode cfg = c.config();
            assertEquals("Qwen2ForCausalLM", c.architecture());
            assertEquals("qwen2", cfg.get("model_type").textValue());
            assertEquals(3, c.numHiddenLayers());
            assertEquals(96, cfg.get("vocab_size").intValue());
            assertEquals(2, cfg.get("num_key_value_heads").intValue());
            assertEquals("float16", cfg.get("torch_dtype").textValue());
            assertTrue(cfg.get("tie_word_embeddings").booleanValue());
            assertEquals(1e-6, cfg.get("rms_norm_eps").doubleValue());
        }
        try (Checkpoint c = Checkpoint.open(Model.base(Dims.tiny(), DType.BF16, 1).write(tmp.resolve("llama"),
                Long.MAX_VALUE, 1))) {
            assertEquals("LlamaForCausalLM", c.architecture());
            assertEquals(DType.BF16, c.info("lm_head.weight").dtype());
        }
    }

    @Test
    void dimensionsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dims(10, 30, 10, 1, 4, 2, false, false));
        assertEquals("hidden must be a multiple of heads, but was 30 with 4 heads", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dims(10, 32, 10, 1, 4, 3, false, false));
        assertThrows(IllegalArgumentException.class, () -> new Dims(0, 32, 10, 1, 4, 2, false, false));
        assertThrows(IllegalArgumentException.class, () -> Model.base(Dims.tiny(), DType.I8, 1));
    }
}
