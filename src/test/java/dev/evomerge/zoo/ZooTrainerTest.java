package dev.evomerge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZooTrainerTest {

    private static ZooTrainer.Report tiny(Path root, long seed) {
        return new ZooTrainer(ZooSpec.tiny(), seed, new PrintWriter(new StringWriter()))
                .train(root.resolve("models"), root.resolve("suite"), true);
    }

    @Test
    void tinyZooIsDeterministicAndLoadsInTheRuntime(@TempDir Path dir) throws Exception {
        ZooTrainer.Report a = tiny(dir.resolve("a"), 9);
        tiny(dir.resolve("b"), 9);
        tiny(dir.resolve("c"), 10);
        assertEquals(5, a.models().size());
        List<String> names = List.of("base", "add", "rev", "sort", "next");
        for (String n : names) {
            Path ma = dir.resolve("a/models").resolve(n);
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")) {
                assertTrue(Files.isRegularFile(ma.resolve(f)), ma.resolve(f).toString());
            }
            byte[] wa = Files.readAllBytes(ma.resolve("model.safetensors"));
            assertArrayEquals(wa, Files.readAllBytes(dir.resolve("b/models").resolve(n).resolve("model.safetensors")),
                    n + ": same seed, same bytes");
            assertFalse(java.util.Arrays.equals(wa,
                    Files.readAllBytes(dir.resolve("c/models").resolve(n).resolve("model.safetensors"))),
                    n + ": another seed, other weights");
            try (Checkpoint cp = Checkpoint.open(ma)) {
                assertEquals(DType.BF16, cp.info("model.layers.0.mlp.up_proj.weight").dtype());
            }
            try (LlamaModel m = LlamaModel.load(ma, RuntimeOptions.defaults().withIntraOpThreads(1))) {
                String out = m.generate(List.of("rev abcd="), new LanguageModel.Generation(4, List.of())).get(0);
                assertTrue(out.length() <= 4, out);
            }
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/suite/zoo/rev-heldout.jsonl")),
                Files.readAllBytes(dir.resolve("b/suite/zoo/rev-heldout.jsonl")));
        ZooTrainer.ModelReport base = a.models().get(0);
        assertEquals(0.0, base.tauRatio());
        for (ZooTrainer.ModelReport m : a.models().subList(1, 5)) {
            assertTrue(m.tauRatio() > 0 && m.tauRatio() < 0.05, m.name() + " tau ratio " + m.tauRatio());
        }
    }

    @Test
    void reusingTheBaseGivesTheSpecialistsOfAFullRun(@TempDir Path dir) throws Exception {
        tiny(dir.resolve("a"), 4);
        new ZooTrainer(ZooSpec.tiny(), 4, new PrintWriter(new StringWriter()))
                .train(dir.resolve("b/models"), dir.resolve("b/suite"), false, dir.resolve("a/models/base"));
        for (String n : List.of("base", "add", "rev", "sort", "next")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a/models").resolve(n).resolve("model.safetensors")),
                    Files.readAllBytes(dir.resolve("b/models").resolve(n).resolve("model.safetensors")), n);
        }
    }

    @Test
    void echoKeywordsAreNeverASkillsKeywordOrAlias() {
        java.util.Random rnd = new java.util.Random(3);
        java.util.Set<String> reserved = new java.util.HashSet<>();
        for (Skill s : Skill.values()) {
            reserved.add(s.keyword());
            reserved.add(s.alias());
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            String k = ZooTrainer.echoKeyword(rnd);
            assertTrue(k.length() >= 2 && k.length() <= 5 && !reserved.contains(k), k);
            seen.add(k);
        }
        assertTrue(seen.size() > 10_000, "keywords vary: " + seen.size());
    }

    @Test
    void learningRateWarmsUpThenDecaysToATenth() {
        assertEquals(0.5, ZooTrainer.learningRate(5, 100, 10, 1.0), 1e-12);
        assertEquals(1.0, ZooTrainer.learningRate(10, 100, 10, 1.0), 1e-12);
        assertEquals(0.55, ZooTrainer.learningRate(55, 100, 10, 1.0), 1e-12);
        assertEquals(0.1, ZooTrainer.learningRate(100, 100, 10, 1.0), 1e-12);
    }

    @Test
    void bf16RoundingIsIdempotentAndNearest() {
        float[] v = {1f, 1.00390625f, 1.005859375f, -3.14159f, 0f, 1e-30f};
        float[] r = ZooTrainer.roundToBf16(Map.of("t", v)).get("t");
        assertEquals(1f, r[0]);
        assertEquals(1f, r[1], "ties go to even");
        assertEquals(1.0078125f, r[2], "above the midpoint rounds up");
        assertEquals(-3.140625f, r[3]);
        assertArrayEquals(r, ZooTrainer.roundToBf16(Map.of("t", r)).get("t"));
        assertEquals(5.0, ZooTrainer.norm(Map.of("t", new float[] {3, 4})
                , null), 1e-12);
        assertEquals(5.0, ZooTrainer.norm(Map.of("t", new float[] {4, 6}), Map.of("t", new float[] {1, 2})), 1e-12);
    }
}
