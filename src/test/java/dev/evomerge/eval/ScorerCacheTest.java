package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.io.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerCacheTest {
    @TempDir
    Path dir;

    /** Hashes are whatever the test says a checkpoint's content is; opens are counted. */
    private final Map<Path, String> hashes = new HashMap<>();
    private final Map<Path, Integer> opens = new HashMap<>();

    private Scorer scorer(Suite suite, Set<String> known, ResultCache cache) {
        ModelProvider p = new ModelProvider(d -> {
            opens.merge(d, 1, Integer::sum);
            return Oracle.of(suite, known);
        }, hashes::get);
        return new Scorer(p, new SuiteRunner(8, Progress.Factory.NONE), cache);
    }

    private Path model(String name, String hash) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        hashes.put(d, hash);
        return d;
    }

    @Test
    void jsonRoundTripIsExactAndLmEvalShaped() {
        Suite toy = Suite.load(TestFiles.TOY);
        SuiteResult r = new SuiteRunner(8, Progress.Factory.NONE).evaluate(Oracle.of(toy, Set.of("h1", "h3", "m2",
                "t5")), "abc", toy, "heldout", 0);
        var json = ResultsJson.write(r);
        assertEquals(0.5, json.at("/results/arith/exact_match,none").asDouble());
        assertTrue(json.at("/results/arith/exact_match_stderr,none").isNumber());
        assertEquals("arith", json.at("/results/arith/alias").asText());
        assertEquals(2, json.at("/n-shot/arith").asInt());
        assertEquals(4, json.at("/n-samples/arith/effective").asInt());
        assertFalse(json.at("/higher_is_better/text/token_perplexity").asBoolean());
        assertEquals("wilson", json.at("/evomerge/intervals/choice/acc/method").asText());
        assertEquals(r, ResultsJson.read(json));
    }

    @Test
    void baselinesAreComputedOnceAndReusedFromDisk() throws IOException {
        Suite toy = Suite.load(TestFiles.TOY);
        ResultCache cache = new ResultCache(dir.resolve("cache"));
        Path base = model("base", "aaaa");
        Scorer.Scored first = scorer(toy, Set.of("h1"), cache).score(base, "base", toy, "heldout", 0);
        assertFalse(first.cached());
        Scorer.Scored second = scorer(toy, Set.of(), cache).score(base, "base", toy, "heldout", 0);
        assertTrue(second.cached());
        assertEquals(first.result(), second.result());
        assertEquals(1, opens.get(base), "a cache hit never opens the model");
        try (Stream<Path> files = Files.list(cache.dir())) {
            assertEquals(List.of(cache.file("aaaa", toy.hash(), "heldout", 0)), files.toList(),
                    "one file, no temporary left behind");
        }
        // Another slice and another limit are other keys.
        assertFalse(scorer(toy, Set.of(), cache).score(base, "base", toy, "search", 0).cached());
        assertFalse(scorer(toy, Set.of(), cache).score(base, "base", toy, "heldout", 2).cached());
        assertEquals(3, opens.get(base));
    }

    @Test
    void aChangedCheckpointIsRescored() throws IOException {
        Suite toy = Suite.load(TestFiles.TOY);
        ResultCache cache = new ResultCache(dir.resolve("cache"));
        Path m = model("m", "1111");
        scorer(toy, Set.of("h1", "h2"), cache).score(m, "model", toy, "heldout", 0);
        hashes.put(m, "2222");
        Scorer.Scored after = scorer(toy, Set.of(), cache).score(m, "model", toy, "heldout", 0);
        assertFalse(after.cached());
        assertEquals(0.0, after.result().task("arith").primary().value());
        assertEquals(2, opens.get(m));
    }

    @Test
    void aChangedSuiteIsRescored() throws IOException {
        Path suiteFile = TestFiles.copyExamples(dir.resolve("suite"));
        ResultCache cache = new ResultCache(dir.resolve("cache"));
        Path m = model("m", "1111");
        Suite before = Suite.load(suiteFile);
        scorer(before, Set.of(), cache).score(m, "model", before, "heldout", 0);
        Path data = dir.resolve("suite/toy/arith-heldout.jsonl");
        TestFiles.write(data, TestFiles.read(data).replace("\"9\"", "\"nine\""));
        Suite after = Suite.load(suiteFile);
        assertNotEquals(before.hash(), after.hash());
        assertFalse(scorer(after, Set.of(), cache).score(m, "model", after, "heldout", 0).cached());
        // The template too is part of the suite.
        TestFiles.write(suiteFile, TestFiles.read(suiteFile).replace("Question: {question}", "Q: {question}"));
        Suite edited = Suite.load(suiteFile);
        assertNotEquals(after.hash(), edited.hash());
        assertFalse(scorer(edited, Set.of(), cache).score(m, "model", edited, "heldout", 0).cached());
        assertEquals(3, opens.get(m));
    }

    @Test
    void aCorruptOrForeignCacheFileIsAMissAndIsReplaced() throws IOException {
        Suite toy = Suite.load(TestFiles.TOY);
        ResultCache cache = new ResultCache(dir.resolve("cache"));
        Path m = model("m", "1111");
        Path file = cache.file("1111", toy.hash(), "heldout", 0);
        TestFiles.write(file, "{ not json");
        assertFalse(scorer(toy, Set.of(), cache).score(m, "model", toy, "heldout", 0).cached());
        assertTrue(cache.load("1111", toy.hash(), "heldout", 0).isPresent());
        // A file whose recorded identity differs (same 16-character prefix, other full hash) is not trusted.
        String a = "0123456789abcdef" + "aa";
        String b = "0123456789abcdef" + "bb";
        assertEquals(cache.file(a, toy.hash(), "heldout", 0), cache.file(b, toy.hash(), "heldout", 0));
        Path ma = model("ma", a);
        scorer(toy, Set.of(), cache).score(ma, "model", toy, "heldout", 0);
        assertTrue(cache.load(a, toy.hash(), "heldout", 0).isPresent());
        assertTrue(cache.load(b, toy.hash(), "heldout", 0).isEmpty());
    }

    @Test
    void noCacheMeansNoFiles() throws IOException {
        Suite toy = Suite.load(TestFiles.TOY);
        Path m = model("m", "1111");
        assertFalse(scorer(toy, Set.of(), null).score(m, "model", toy, "heldout", 0).cached());
        assertFalse(scorer(toy, Set.of(), null).score(m, "model", toy, "heldout", 0).cached());
        assertEquals(2, opens.get(m));
    }
}
