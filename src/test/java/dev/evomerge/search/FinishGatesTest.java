package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.Scorer;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.gate.WeightDistance;
import dev.evomerge.search.space.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finish gates each task on its own: the rank-1 candidate, whose held-out aggregate is the highest, misses the
 * t2 gate and is rejected with that gate and its margin; the rank-2 candidate passes and is written under accepted/.
 */
class FinishGatesTest {
    @TempDir
    Path dir;

    @Test
    void aCandidateThatMissesOneTaskIsRejectedEvenThoughItsAggregateRises() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.fineTune(1, 0.05).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        Path suite = GenSuite.write(dir.resolve("suite"), List.of("t1", "t2"), 4, 10);
        Path gates = Files.writeString(dir.resolve("gates.yaml"), """
                format: evomerge-gates
                version: 1
                suite: suite/gen.yaml
                slice: heldout
                gates:
                  - task: t1
                    min: 0.5
                  - task: t2
                    min: 0.5
                """);
        // Candidate X (weights 0.9/0.1): t1 10/10, t2 4/10, mean 0.7. Candidate Y (0.2/0.8): 6/10 and 6/10, mean 0.6.
        ModelProvider provider = new ModelProvider(d -> {
            boolean x = read(d.resolve("mergekit_config.yml")).contains("0.9");
            return GenSuite.model(q -> {
                int i = Integer.parseInt(q.substring(q.lastIndexOf('-') + 1));
                boolean t1 = q.contains("-t1-");
                return x ? (t1 || i < 4) : i < 6;
            });
        }, d -> d.toString() + read(d.resolve("mergekit_config.yml")).hashCode());
        Scorer scorer = new Scorer(provider, new SuiteRunner(8, Progress.Factory.NONE), null);
        WeightDistance noDistance = (c, b) -> new WeightDistance.Measurement(0, 1);
        Doubles.LinearSpace space = new Doubles.LinearSpace(List.of("a", "b"));
        JournalEntry x = entry(0, new Genome(new double[] {0.9, 0.1}), 0.9);
        JournalEntry y = entry(1, new Genome(new double[] {0.2, 0.8}), 0.8);
        JournalEntry z = entry(2, new Genome(new double[] {0.5, 0.5}), 0.1);

        Path run = dir.resolve("run");
        Finisher.FinishResult result;
        try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(0), null, null)) {
            result = new Finisher(space, merger, new GateRunner(scorer, noDistance), scorer, null)
                    .finish(run, GateFile.load(gates), List.of(z, x, y), 2, Map.of());
        }

        assertEquals(2, result.outcomes().size());
        Finisher.Finalist first = result.outcomes().get(0);
        Finisher.Finalist second = result.outcomes().get(1);
        assertEquals(0, first.entry().index());
        assertEquals(Map.of("t1", 1.0, "t2", 0.4), first.heldout());
        assertFalse(first.accepted());
        assertNull(first.checkpoint());
        assertTrue(second.accepted());
        assertEquals(Map.of("t1", 0.6, "t2", 0.6), second.heldout());
        var mean = new Objective(Map.of("t1", 1.0, "t2", 1.0), false);
        assertTrue(mean.scalar(first.heldout()) > mean.scalar(second.heldout()), "the aggregate rose");

        JsonNode json = new ObjectMapper().readTree(run.resolve("finish.json").toFile());
        JsonNode rejected = json.get("candidates").get(0);
        assertFalse(rejected.get("accepted").asBoolean());
        assertEquals(1, rejected.get("failed_gates").size());
        JsonNode gate = rejected.get("failed_gates").get(0);
        assertEquals("t2 exact_match >= 0.5000", gate.get("gate").asText());
        assertEquals(-0.1, gate.get("margin").asDouble(), 1e-12);
        assertTrue(json.get("candidates").get(1).get("accepted").asBoolean());

        Path accepted = run.resolve(json.get("candidates").get(1).get("checkpoint").asText());
        assertEquals(run.resolve("accepted"), accepted.getParent());
        assertTrue(Files.exists(accepted.resolve("model.safetensors")));
        assertTrue(read(accepted.resolve("README.md")).contains("## Release gates"));
        assertEquals(1, Files.list(run.resolve("accepted")).count(), "only the accepted candidate is kept");
        assertTrue(read(run.resolve("finish.md")).contains("FAIL"));

        // Resumed with tightened gates, the finish rejects both: no checkpoint that no longer passes stays accepted.
        Files.writeString(gates, read(gates).replace("min: 0.5", "min: 0.7"));
        Files.createDirectories(run.resolve("accepted/rank-3-c9"));
        try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(0), null, null)) {
            result = new Finisher(space, merger, new GateRunner(scorer, noDistance), scorer, null)
                    .finish(run, GateFile.load(gates), List.of(z, x, y), 2, Map.of());
        }
        assertNull(result.bestAccepted());
        assertFalse(Files.exists(accepted), "the stale accepted checkpoint was removed");
        assertFalse(Files.exists(run.resolve("accepted/rank-3-c9")));
    }

    private static JournalEntry entry(int i, Genome g, double fitness) {
        return new JournalEntry(i, 0, "fixed", g, null, null, Map.of("t1", fitness, "t2", fitness), fitness,
                CandidateStatus.EVALUATED, null, 0, 0, 0);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
