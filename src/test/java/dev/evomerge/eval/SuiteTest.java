package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuiteTest {
    @TempDir
    Path dir;

    private Path suite(String tasks) {
        return TestFiles.write(dir.resolve("s.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: s
                slices: [search, heldout]
                split: {seed: 1, fractions: {search: 0.5, heldout: 0.5}}
                tasks:
                """ + tasks);
    }

    private static final String GEN_TASK = """
              - name: g
                type: generate
                data: {search: a.jsonl, heldout: b.jsonl}
                prompt: "{q}"
                target: "{a}"
            """;

    private String message(Path file) {
        return assertThrows(UserError.class, () -> Suite.load(file)).getMessage();
    }

    @Test
    void loadsTheExampleSuite() {
        Suite s = Suite.load(TestFiles.TOY);
        assertEquals("toy", s.name());
        assertEquals(List.of("search", "heldout"), s.sliceNames());
        assertEquals(List.of("arith", "capitals", "choice", "text"), s.tasks().stream().map(Task::name).toList());
        Task arith = s.task("arith");
        assertEquals(4, arith.examples("search").size());
        assertEquals(4, arith.examples("heldout").size());
        assertEquals(2, arith.fewshot().size());
        assertEquals(2.0, arith.weight());
        assertEquals("acc_norm", s.task("choice").metric());
        for (Task t : s.tasks()) {
            Set<String> ids = new HashSet<>();
            int total = 0;
            for (String slice : s.sliceNames()) {
                List<Example> xs = t.examples(slice);
                total += xs.size();
                xs.forEach(e -> ids.add(e.id()));
            }
            assertEquals(total, ids.size(), "slices of " + t.name() + " must be disjoint");
        }
        assertEquals(64, s.hash().length());
        assertEquals(s.hash(), Suite.load(TestFiles.TOY).hash(), "the hash is a function of the files");
    }

    @Test
    void hashSplitIsDeterministicStableAndNearTheFractions() {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            data.append("{\"id\": \"e").append(i).append("\", \"q\": \"x\", \"a\": \"y\"}\n");
        }
        TestFiles.write(dir.resolve("all.jsonl"), data.toString());
        Path file = TestFiles.write(dir.resolve("s.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: s
                slices: [search, heldout, dev]
                split: {seed: 7, fractions: {search: 0.6, heldout: 0.3, dev: 0.1}}
                tasks:
                  - {name: g, type: generate, data: all.jsonl, prompt: "{q}", target: "{a}"}
                """);
        Task t = Suite.load(file).task("g");
        int search = t.examples("search").size();
        int heldout = t.examples("heldout").size();
        int dev = t.examples("dev").size();
        assertEquals(2000, search + heldout + dev);
        // Binomial(2000, p) has sd <= 22; 4 sd bounds.
        assertTrue(Math.abs(search - 1200) < 90, "search " + search);
        assertTrue(Math.abs(heldout - 600) < 90, "heldout " + heldout);
        assertTrue(Math.abs(dev - 200) < 60, "dev " + dev);
        // Adding examples never moves existing ones: the split depends only on (seed, id).
        TestFiles.write(dir.resolve("all.jsonl"), data + "{\"id\": \"new\", \"q\": \"x\", \"a\": \"y\"}\n");
        Task again = Suite.load(file).task("g");
        assertTrue(again.examples("heldout").stream().map(Example::id).toList()
                .containsAll(t.examples("heldout").stream().map(Example::id).toList()));
    }

    @Test
    void unknownVersionIsRefused() {
        Path f = TestFiles.write(dir.resolve("s.yaml"), TestFiles.read(TestFiles.TOY).replace("version: 1",
                "version: 2"));
        assertEquals("suite " + f + " has format version 2, but this evomerge reads version 1 only", message(f));
        Path g = TestFiles.write(dir.resolve("q.yaml"), TestFiles.read(TestFiles.TOY).replace("version: 1",
                "version: \"1\""));
        assertEquals("suite " + g + ": 'version' must be an integer, but was \"1\"", message(g));
    }

    @Test
    void unknownKeysAreRefusedByName() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 3, \"a\": 4}\n");
        String msg = message(suite(GEN_TASK + "    max_token: 5\n"));
        assertTrue(msg.contains("task 'g': unknown key 'max_token'"), msg);
        assertTrue(msg.contains("max_tokens"), "lists the known keys: " + msg);
        Path f = TestFiles.copyExamples(dir.resolve("copy"));
        TestFiles.write(f, TestFiles.read(f) + "colour: blue\n");
        assertTrue(message(f).contains("suite " + f + ": unknown key 'colour'"), message(f));
    }

    @Test
    void unknownMetricAndTypeAreRefused() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 3, \"a\": 4}\n");
        String msg = message(suite(GEN_TASK + "    metric: bleu\n"));
        assertTrue(msg.endsWith("unknown metric 'bleu' for a generate task (known: exact_match)"), msg);
        msg = message(suite(GEN_TASK.replace("generate", "classify")));
        assertTrue(msg.contains("unknown task type 'classify'"), msg);
    }

    @Test
    void malformedJsonlNamesFileAndLine() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n\n{\"q\": 2, \"a\": \n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 3, \"a\": 4}\n");
        String msg = message(suite(GEN_TASK));
        assertTrue(msg.startsWith(dir.resolve("a.jsonl") + " line 3 is not valid JSON"), msg);
        TestFiles.write(dir.resolve("a.jsonl"), "[1, 2]\n");
        assertTrue(message(suite(GEN_TASK)).startsWith(dir.resolve("a.jsonl") + " line 1 must be a JSON object"));
    }

    @Test
    void missingFilesAreNamed() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n");
        assertEquals(dir.resolve("b.jsonl") + " does not exist", message(suite(GEN_TASK)));
        assertEquals(dir.resolve("none.yaml") + " does not exist", message(dir.resolve("none.yaml")));
    }

    @Test
    void slicesSharingAnExampleAreRefused() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"id\": \"x1\", \"q\": 1, \"a\": 2}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 9, \"a\": 9}\n{\"id\": \"x1\", \"q\": 1, \"a\": 2}\n");
        String msg = message(suite(GEN_TASK));
        assertTrue(msg.contains("example x1 is in slice 'search'") && msg.contains("and in slice 'heldout' ("
                + dir.resolve("b.jsonl") + " line 2)"), msg);
        // Without ids, identical content is the same example.
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"a\": 2, \"q\": 1}\n");
        assertTrue(message(suite(GEN_TASK)).contains("slices must never share an example"));
    }

    @Test
    void fewshotExamplesMustNotBeScored() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"id\": 1, \"q\": 1, \"a\": 2}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"id\": 2, \"q\": 3, \"a\": 4}\n");
        TestFiles.write(dir.resolve("fs.jsonl"), "{\"id\": 2, \"q\": 3, \"a\": 4}\n");
        String msg = message(suite(GEN_TASK + "    fewshot: {data: fs.jsonl}\n"));
        assertTrue(msg.contains("few-shot example 2") && msg.contains("scored in slice 'heldout'"), msg);
    }

    @Test
    void aSliceWithoutExamplesIsAnErrorWhenUsed() {
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"a\": 2}\n");
        Path f = suite(GEN_TASK.replace(", heldout: b.jsonl", ""));
        Suite s = Suite.load(f);
        assertEquals("task 'g' has no examples in slice 'heldout'",
                assertThrows(UserError.class, () -> s.task("g").examples("heldout")).getMessage());
        assertTrue(assertThrows(UserError.class, () -> s.requireSlice("test")).getMessage()
                .endsWith("has no slice 'test' (slices: search, heldout)"));
    }

    @Test
    void searchAndHeldoutSlicesAreRequired() {
        Path f = TestFiles.write(dir.resolve("s.yaml"), TestFiles.read(TestFiles.TOY)
                .replace("slices: [search, heldout]", "slices: [search, test]"));
        assertTrue(message(f).contains("'slices' must include 'heldout'"), message(f));
    }

    @Test
    void badChoicesAndGoldAreCaughtAtLoad() {
        Path f = TestFiles.write(dir.resolve("s.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: s
                slices: [search, heldout]
                tasks:
                  - {name: m, type: multiple_choice, data: {search: a.jsonl, heldout: b.jsonl}, prompt: "{q}"}
                """);
        TestFiles.write(dir.resolve("a.jsonl"), "{\"q\": 1, \"choices\": [\"x\", \"y\"], \"gold\": 0}\n");
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 1, \"choices\": [\"x\", \"y\"], \"gold\": \"z\"}\n");
        assertTrue(message(f).contains("line 1: gold answer \"z\" is not one of the choices"), message(f));
        TestFiles.write(dir.resolve("b.jsonl"), "{\"q\": 1, \"choices\": [\"x\", \"y\"], \"gold\": 2}\n");
        assertTrue(message(f).contains("gold index 2 is outside the 2 choices"), message(f));
    }

    @Test
    void hashChangesWithAnyDataFile() {
        Path copy = TestFiles.copyExamples(dir);
        String before = Suite.load(copy).hash();
        Path data = dir.resolve("toy/text-heldout.jsonl");
        TestFiles.write(data, TestFiles.read(data).replace("quiet", "silent"));
        assertNotEquals(before, Suite.load(copy).hash());
    }
}
