package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Oracle;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
    @TempDir
    Path dir;
    private final AtomicInteger opens = new AtomicInteger();

    private ModelProvider provider() {
        Suite toy = Suite.load(TestFiles.TOY);
        return new ModelProvider(d -> {
            opens.incrementAndGet();
            return Oracle.of(toy, Set.of("h1", "h2", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "m1", "m2", "m3",
                    "t4"));
        }, d -> "f00d" + d.getFileName());
    }

    private CommandRun eval(String... extra) {
        String[] base = {dir.resolve("model").toString(), "--suite", TestFiles.TOY.toString(), "--cache-dir",
                dir.resolve("cache").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CommandRun.of(new EvalCommand(provider()), args);
    }

    @Test
    void printsATableWritesLmEvalJsonAndCaches() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Path json = dir.resolve("out/results.json");
        CommandRun first = eval("-o", json.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().startsWith("suite toy ("), first.out());
        assertTrue(first.out().contains("slice heldout, model f00dmodel"), first.out());
        assertTrue(first.out().lines().anyMatch(l -> l.matches("arith +generate +4 +exact_match\\* +0\\.5000 +0\\.2887 "
                + "+\\[0\\.1500, 0\\.8500\\]")), first.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(0.5, root.at("/results/arith/exact_match,none").asDouble());
        assertEquals(Math.sqrt(0.25 / 3), root.at("/results/arith/exact_match_stderr,none").asDouble(), 1e-15);
        assertEquals("heldout", root.at("/evomerge/slice").asText());
        assertEquals(1, opens.get());

        CommandRun second = eval("--json");
        assertEquals(0, second.exit(), second.err());
        assertEquals(1, opens.get(), "the second run is served from the cache");
        assertTrue(second.err().contains("using cached scores"), second.err());
        JsonNode again = new ObjectMapper().readTree(second.out());
        for (String key : new String[] {"results", "configs", "n-samples", "evomerge"}) {
            assertEquals(root.get(key), again.get(key), key + ": only the run's times and place differ");
        }
    }

    @Test
    void limitAndSliceAreKeysOfTheirOwn() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        CommandRun r = eval("--slice", "search", "--limit", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("slice search") && r.out().contains("limit 2"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("arith") && l.contains(" 2/4 ")), r.out());
    }

    @Test
    void badInputIsOneLineAndExitThree() throws IOException {
        CommandRun noModel = eval();
        assertEquals(3, noModel.exit());
        assertEquals("evomerge: model directory " + dir.resolve("model") + " does not exist\n", noModel.err());
        Files.createDirectories(dir.resolve("model"));
        CommandRun badSlice = eval("--slice", "test");
        assertEquals(3, badSlice.exit());
        assertTrue(badSlice.err().endsWith("has no slice 'test' (slices: search, heldout)\n"), badSlice.err());
        CommandRun noSuite = CommandRun.of(new EvalCommand(provider()), dir.resolve("model").toString(), "--suite",
                dir.resolve("nope.yaml").toString());
        assertEquals(3, noSuite.exit());
        assertEquals("evomerge: " + dir.resolve("nope.yaml") + " does not exist\n", noSuite.err());
        assertEquals(0, opens.get());
    }

    @Test
    void badJsonlLineIsNamed() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Path suite = TestFiles.copyExamples(dir.resolve("suite"));
        Path data = dir.resolve("suite/toy/choice.jsonl");
        TestFiles.write(data, TestFiles.read(data).replace("{\"id\": \"m5\"", "{\"id\": \"m5\",,"));
        CommandRun r = CommandRun.of(new EvalCommand(provider()), dir.resolve("model").toString(), "--suite",
                suite.toString(), "--no-cache");
        assertEquals(3, r.exit());
        assertTrue(r.err().startsWith("evomerge: " + data + " line 5 is not valid JSON"), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void usageErrorsExitTwo() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        assertEquals(2, eval("--limit", "0").exit());
        assertEquals(2, CommandRun.of(new EvalCommand(provider()), dir.toString()).exit(), "--suite is required");
    }

    @Test
    void aDirectoryWithoutWeightsIsOneClearLine() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        CommandRun r = CommandRun.of(new EvalCommand(), dir.resolve("model").toString(), "--suite",
                TestFiles.TOY.toString(), "--no-cache");
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("has neither model.safetensors nor model.safetensors.index.json"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
