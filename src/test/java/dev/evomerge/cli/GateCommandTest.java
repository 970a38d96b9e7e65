package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Oracle;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.TestFiles;
import dev.evomerge.gate.WeightDistance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the gate command on fake models that know chosen held-out examples. Arith has 4 held-out examples
 * (h1..h4), capitals and choice split the toy data by hash, text has t4..t6.
 */
class GateCommandTest {
    private static final Set<String> EVERYTHING = Set.of("h1", "h2", "h3", "h4", "c1", "c2", "c3", "c4", "c5", "c6",
            "c7", "c8", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "t4", "t5", "t6");

    @TempDir
    Path dir;
    private final Map<String, Set<String>> knowledge = new HashMap<>();
    private final Map<String, Integer> opens = new HashMap<>();
    private Suite toy;
    private Path gates;
    private WeightDistance.Measurement distance = new WeightDistance.Measurement(2, 100);

    @BeforeEach
    void setUp() throws IOException {
        toy = Suite.load(TestFiles.TOY);
        for (String m : List.of("base", "math", "good", "regressed", "far")) {
            Files.createDirectories(dir.resolve(m));
        }
        Set<String> half = Set.of("h1", "h2", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "m1", "m2", "m3", "m4",
                "m5", "m6", "m7", "m8", "t4", "t5", "t6");
        knowledge.put("base", half);
        knowledge.put("math", Set.of("h1", "h2", "h3", "h4"));
        knowledge.put("good", EVERYTHING);
        // Better than the specialist on every other task (and on the weighted score) but one arith answer short.
        Set<String> regressed = new java.util.HashSet<>(EVERYTHING);
        regressed.remove("h4");
        knowledge.put("regressed", regressed);
        gates = TestFiles.write(dir.resolve("gates.yaml"), """
                format: evomerge-gates
                version: 1
                suite: %s
                base: base
                sources: {math: math}
                gates:
                  - l2_distance: {max: 0.05, relative: true}
                  - {task: arith, min_relative: 0.95, source: math}
                  - {task: capitals, max_drop: 0.1}
                  - {task: choice, metric: acc_norm, min: 0.25, confidence: true}
                  - {task: text, max: 3.0}
                """.formatted(TestFiles.TOY.toAbsolutePath()));
    }

    private GateCommand command() {
        ModelProvider p = new ModelProvider(d -> {
            String name = d.getFileName().toString();
            opens.merge(name, 1, Integer::sum);
            return Oracle.of(toy, knowledge.getOrDefault(name, Set.of()));
        }, d -> "hash-" + d.getFileName());
        return new GateCommand(p, (candidate, base) -> distance);
    }

    private CommandRun gate(String candidate, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(dir.resolve(candidate).toString(), "--gates",
                gates.toString(), "--cache-dir", dir.resolve("cache").toString(), "--report",
                dir.resolve("reports/" + candidate + ".json").toString()));
        args.addAll(List.of(extra));
        return CommandRun.of(command(), args.toArray(String[]::new));
    }

    private JsonNode report(String candidate) throws IOException {
        return new ObjectMapper().readTree(dir.resolve("reports/" + candidate + ".json").toFile());
    }

    @Test
    void aCandidatePassingEveryGateExitsZero() throws IOException {
        CommandRun r = gate("good");
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertTrue(lines.get(0).matches("PASS  #1  l2_distance / \\|\\|base\\|\\| <= 0\\.0500 +measured 0\\.0200 "
                + " threshold 0\\.0500  margin \\+0\\.0300 .*"), lines.get(0));
        assertTrue(lines.get(1).matches("PASS  #2  arith exact_match >= 0\\.9500 x math +measured 1\\.0000  threshold "
                + "0\\.9500  margin \\+0\\.0500  \\(math exact_match = 1\\.0000\\)"), lines.get(1));
        assertTrue(lines.get(3).contains("(point 1.0000)"), "confidence gates show the point estimate");
        assertEquals("ACCEPTED: all 5 gates passed", lines.get(5));
        JsonNode rep = report("good");
        assertTrue(rep.get("accepted").asBoolean());
        assertEquals("hash-good", rep.get("candidate_hash").asText());
        assertEquals(5, rep.get("gates").size());
        assertEquals("pass", rep.at("/gates/1/status").asText());
        assertEquals(0.95, rep.at("/gates/1/threshold").asDouble(), 1e-15);
        assertEquals(1.0, rep.at("/scores/math/arith/exact_match/value").asDouble());
        assertTrue(rep.at("/scores/base/text/token_perplexity/value").isNumber());
    }

    @Test
    void oneTaskRegressionRejectsDespiteABetterAggregate() throws IOException {
        CommandRun r = gate("regressed");
        assertEquals(GateCommand.EXIT_REJECTED, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  #2  arith exact_match >= 0.9500 x math")
                && l.contains("measured 0.7500  threshold 0.9500  margin -0.2000")), r.out());
        assertTrue(r.out().contains("REJECTED: 1 of 5 gates did not pass"), r.out());
        JsonNode rep = report("regressed");
        assertFalse(rep.get("accepted").asBoolean());
        assertEquals("fail", rep.at("/gates/1/status").asText());
        assertEquals(-0.2, rep.at("/gates/1/margin").asDouble(), 1e-12);
    }

    @Test
    void sourceBaselinesAreScoredOnceAcrossCandidates() {
        gate("good");
        gate("regressed");
        assertEquals(1, opens.get("math"));
        assertEquals(1, opens.get("base"));
        assertEquals(1, opens.get("good"));
        gate("good");
        assertEquals(1, opens.get("good"), "a re-gated candidate is served from the cache");
    }

    @Test
    void aTensorGateFailureSkipsInference() throws IOException {
        distance = new WeightDistance.Measurement(9, 100);
        CommandRun r = gate("good");
        assertEquals(GateCommand.EXIT_REJECTED, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("FAIL  #1  l2_distance"), r.out());
        assertEquals(4, r.out().lines().filter(l -> l.startsWith("SKIP ")).count(), r.out());
        assertTrue(opens.isEmpty(), "no model was loaded: " + opens);
        assertEquals("skipped", report("good").at("/gates/2/status").asText());
        // --evaluate-all scores the rest anyway; the candidate stays rejected.
        CommandRun all = gate("good", "--evaluate-all");
        assertEquals(GateCommand.EXIT_REJECTED, all.exit());
        assertEquals(4, all.out().lines().filter(l -> l.startsWith("PASS ")).count(), all.out());
    }

    @Test
    void badInputIsOneLineAndExitThree() throws IOException {
        CommandRun missing = gate("nope");
        assertEquals(3, missing.exit());
        assertEquals("evomerge: candidate directory " + dir.resolve("nope") + " does not exist\n", missing.err());

        TestFiles.write(gates, TestFiles.read(gates).replace("source: math", "source: code"));
        CommandRun unknown = gate("good");
        assertEquals(3, unknown.exit());
        assertEquals(1, unknown.err().lines().count());
        assertTrue(unknown.err().contains("gate #2: 'source' names unknown source 'code' (known: math, base)"),
                unknown.err());

        TestFiles.write(gates, TestFiles.read(gates).replace("source: code", "source: math")
                .replace("task: capitals", "task: capital"));
        assertTrue(gate("good").err().contains("'task' names unknown task 'capital'"));
        assertTrue(opens.isEmpty());
    }

    @Test
    void missingSourceDirectoryIsNamedBeforeAnyInference() throws IOException {
        Files.delete(dir.resolve("math"));
        CommandRun r = gate("good");
        assertEquals(3, r.exit());
        assertEquals("evomerge: source 'math' directory " + dir.resolve("math") + " does not exist\n", r.err());
        assertTrue(opens.isEmpty());
    }
}
