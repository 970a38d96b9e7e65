package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.io.Progress;
import dev.evomerge.model.LanguageModel.Continuation;
import dev.evomerge.model.LanguageModel.Generation;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
    private static final double EPS = 1e-12;

    @TempDir
    Path dir;
    private Suite suite;

    @BeforeEach
    void writeSuite() {
        TestFiles.write(dir.resolve("gen-s.jsonl"), "{\"id\": \"s\", \"q\": \"0+0\", \"a\": \"0\"}\n");
        TestFiles.write(dir.resolve("gen-h.jsonl"), """
                {"id": 1, "q": "2+2", "a": "4"}
                {"id": 2, "q": "3+3", "a": "6"}
                {"id": 3, "q": "4+4", "a": "8"}
                {"id": 4, "q": "5+5", "a": "10"}
                """);
        TestFiles.write(dir.resolve("gen-fs.jsonl"), "{\"id\": \"f\", \"q\": \"1+1\", \"a\": \"2\"}\n");
        TestFiles.write(dir.resolve("mc-s.jsonl"), "{\"q\": \"s\", \"choices\": [\"p\", \"q\"], \"gold\": 0}\n");
        TestFiles.write(dir.resolve("mc-h.jsonl"), """
                {"q": "one", "choices": ["a", "bbbb"], "gold": 1}
                {"q": "two", "choices": ["éé", "ab"], "gold": 0}
                {"q": "three", "choices": ["x", "y"], "gold": 1}
                """);
        TestFiles.write(dir.resolve("ppl-s.jsonl"), "{\"text\": \"zz\"}\n");
        TestFiles.write(dir.resolve("ppl-h.jsonl"), "{\"text\": \"a b\"}\n{\"text\": \"cc dd ee\"}\n");
        suite = Suite.load(TestFiles.write(dir.resolve("s.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: hand
                slices: [search, heldout]
                tasks:
                  - name: gen
                    type: generate
                    data: {search: gen-s.jsonl, heldout: gen-h.jsonl}
                    prompt: "Q: {q}\\nA:"
                    target: "{a}"
                    fewshot: {data: gen-fs.jsonl, n: 1}
                    max_tokens: 5
                    stop: ["\\n"]
                  - name: mc
                    type: multiple_choice
                    data: {search: mc-s.jsonl, heldout: mc-h.jsonl}
                    prompt: "{q}"
                  - name: ppl
                    type: perplexity
                    data: {search: ppl-s.jsonl, heldout: ppl-h.jsonl}
                """));
    }

    private static final Map<String, String> ANSWERS = Map.of(
            "Q: 1+1\nA: 2\n\nQ: 2+2\nA:", " 4\nQ: 9+9\nA: 18",
            "Q: 1+1\nA: 2\n\nQ: 3+3\nA:", "6",
            "Q: 1+1\nA: 2\n\nQ: 4+4\nA:", " 8 ",
            "Q: 1+1\nA: 2\n\nQ: 5+5\nA:", " 11");

    private static final Map<String, Double> CHOICE_LOGPROBS = Map.of(
            "one| a", -2.0, "one| bbbb", -4.0,
            "two| éé", -3.0, "two| ab", -2.8,
            "three| x", -1.0, "three| y", -1.0);

    private static final Map<String, LogLikelihood> TEXTS = Map.of(
            "a b", new LogLikelihood(-4, 2, false),
            "cc dd ee", new LogLikelihood(-2, 2, false));

    private FakeModel model() {
        return new FakeModel(p -> ANSWERS.getOrDefault(p, "?"),
                (c, x) -> CHOICE_LOGPROBS.getOrDefault(c + "|" + x, -100.0), TEXTS::get);
    }

    @Test
    void generateScoresExactMatchWithFewshotContextAndStops() {
        FakeModel m = model();
        SuiteResult r = new SuiteRunner(3, Progress.Factory.NONE).evaluate(m, "hash", suite, "heldout", 0);
        TaskResult gen = r.task("gen");
        assertEquals(List.copyOf(ANSWERS.keySet()).stream().sorted().toList(), m.prompts.stream().sorted().toList());
        assertEquals("Q: 1+1\nA: 2\n\nQ: 2+2\nA:", m.prompts.getFirst(), "few-shot block, separator, then prompt");
        assertEquals(new Generation(5, List.of("\n")), m.limits.getFirst());
        assertEquals(2, m.limits.size(), "4 examples in chunks of 3");
        MetricValue em = gen.metric("exact_match");
        assertEquals(0.75, em.value(), EPS);
        assertEquals(0.25, em.stderr(), EPS);
        Stats.Interval ci = Stats.wilson(3, 4, Stats.Z95);
        assertEquals(ci.low(), em.low(), EPS);
        assertEquals(ci.high(), em.high(), EPS);
        assertEquals("wilson", em.interval());
        assertEquals(4, gen.evaluated());
        assertEquals(1, gen.fewshot());
    }

    @Test
    void maxTokensThatCannotFitAreRefusedBeforeTheModelRuns() throws IOException {
        Path file = TestFiles.write(dir.resolve("huge.yaml"),
                Files.readString(suite.file()).replace("max_tokens: 5", "max_tokens: 1000000000"));
        Suite huge = Suite.load(file);
        FakeModel m = model();
        UserError e = assertThrows(UserError.class,
                () -> new SuiteRunner(3, Progress.Factory.NONE).evaluate(m, "hash", huge, "heldout", 0));
        assertTrue(e.getMessage().startsWith(file + ": task 'gen': max_tokens 1000000000 needs about 21.0 GB of"),
                e.getMessage());
        assertTrue(m.prompts.isEmpty(), "refused before any generation");
    }

    @Test
    void multipleChoiceAccAndLengthNormalizedAccByHand() {
        FakeModel m = model();
        TaskResult mc = new SuiteRunner(16, Progress.Factory.NONE).evaluate(m, "hash", suite, "heldout", 0).task("mc");
        assertTrue(m.continuations.contains(new Continuation("one", " bbbb")), "choices follow a one-space delimiter");
        // one: raw -2 > -4 picks "a" (wrong); per char -2/1 < -4/4 picks "bbbb" (right).
        // two: raw -3 < -2.8 picks "ab" (wrong); per char -1.5 < -1.4 (wrong); per byte "éé" is 4 bytes: -0.75 > -1.4
        //      picks "éé" (right).
        // three: a tie goes to the first choice (wrong under every metric).
        assertEquals(0.0, mc.metric("acc").value(), EPS);
        assertEquals(1.0 / 3, mc.metric("acc_norm").value(), EPS);
        assertEquals(2.0 / 3, mc.metric("acc_norm_bytes").value(), EPS);
        assertEquals(Math.sqrt(1.0 / 3 * 2.0 / 3 / 2), mc.metric("acc_norm").stderr(), EPS);
        assertEquals("acc", mc.primaryMetric());
    }

    @Test
    void perplexityByHand() {
        TaskResult ppl = new SuiteRunner(1, Progress.Factory.NONE).evaluate(model(), "hash", suite, "heldout", 0)
                .task("ppl");
        // Σ log p = -6 over 4 tokens, 5 words, 11 bytes.
        assertEquals(Math.exp(1.5), ppl.metric("token_perplexity").value(), 1e-12);
        assertEquals(Math.exp(6.0 / 5), ppl.metric("word_perplexity").value(), 1e-12);
        assertEquals(Math.exp(6.0 / 11), ppl.metric("byte_perplexity").value(), 1e-12);
        assertEquals(6.0 / 11 / Math.log(2), ppl.metric("bits_per_byte").value(), 1e-12);
        // Per-token residuals -4 - (-1.5)(2) = -1 and -2 - (-1.5)(2) = 1: se(R) = sqrt(2 / 2) / 2 = 0.5.
        MetricValue tp = ppl.metric("token_perplexity");
        assertEquals(Math.exp(1.5) * 0.5, tp.stderr(), 1e-12);
        assertEquals(Math.exp(1.5 - Stats.Z95 * 0.5), tp.low(), 1e-12);
        assertEquals(Math.exp(1.5 + Stats.Z95 * 0.5), tp.high(), 1e-12);
        assertFalse(tp.higherIsBetter());
        assertEquals(tp.high(), tp.pessimistic());
    }

    @Test
    void limitScoresTheFirstExamplesOnly() {
        SuiteResult r = new SuiteRunner(16, Progress.Factory.NONE).evaluate(model(), "hash", suite, "heldout", 2);
        TaskResult gen = r.task("gen");
        assertEquals(2, gen.evaluated());
        assertEquals(4, gen.available());
        assertEquals(1.0, gen.metric("exact_match").value(), EPS, "examples 1 and 2 are both right");
        assertEquals(2, r.limit());
    }

    @Test
    void everyTaskIsCheckedForExamplesBeforeInference() {
        TestFiles.write(dir.resolve("ppl-h.jsonl"), "");
        Suite s = Suite.load(dir.resolve("s.yaml"));
        FakeModel m = model();
        assertEquals("task 'ppl' has no examples in slice 'heldout'", assertThrows(UserError.class,
                () -> new SuiteRunner(16, Progress.Factory.NONE).evaluate(m, "h", s, "heldout", 0)).getMessage());
        assertTrue(m.prompts.isEmpty(), "no model call before the check");
    }

    @Test
    void progressCountsEveryExample() {
        Progress[] made = new Progress[1];
        Progress.Factory capture = (label, total) -> made[0] = new Progress(label, total, null, () -> 0L,
                java.time.Duration.ZERO, false);
        new SuiteRunner(2, capture).evaluate(model(), "h", suite, "heldout", 0);
        assertEquals(4 + 3 + 2, made[0].done());
        assertTrue(made[0].line(0).startsWith("eval hand/heldout 9/9 100%"), made[0].line(0));
    }

    @Test
    void theOracleScoresWhatItKnows() {
        Suite toy = Suite.load(TestFiles.TOY);
        SuiteResult all = new SuiteRunner(4, Progress.Factory.NONE).evaluate(Oracle.of(toy, Set.of("h1", "h2", "h3",
                "h4", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8")),
                "h", toy, "heldout", 0);
        assertEquals(1.0, all.task("arith").primary().value(), EPS);
        assertEquals(1.0, all.task("capitals").primary().value(), EPS);
        assertEquals(1.0, all.task("choice").primary().value(), EPS);
        assertEquals(Math.exp(3), all.task("text").primary().value(), 1e-9, "unknown texts: -3 per token");
    }
}
