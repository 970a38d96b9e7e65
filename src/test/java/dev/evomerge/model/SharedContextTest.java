package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.model.LanguageModel.Continuation;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import dev.evomerge.zoo.CharTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Multiple choice with the context's K/V computed once per question must give the per-choice scores, and scoring
 * must project to the vocabulary only the positions it scores.
 */
class SharedContextTest {
    @TempDir
    static Path dir;
    static TextTokenizer chars;
    /** Characters, plus a merge "a b" -> "ab" (in place of '~'), so a token can span the context/choice boundary. */
    static TextTokenizer merging;

    @BeforeAll
    static void tokenizers() throws IOException {
        chars = TextTokenizer.load(TinyModels.writeCharTokenizer(dir.resolve("chars")));
        ObjectNode json = (ObjectNode) TinyModels.JSON.readTree(CharTokenizer.tokenizerJson());
        ObjectNode vocab = (ObjectNode) json.path("model").path("vocab");
        JsonNode tilde = vocab.remove("~");
        vocab.set("ab", tilde);
        ((ArrayNode) json.path("model").path("merges")).add("a b");
        Path m = Files.createDirectories(dir.resolve("merging"));
        Files.write(m.resolve("tokenizer.json"), TinyModels.JSON.writeValueAsBytes(json));
        merging = TextTokenizer.load(m);
    }

    @AfterAll
    static void close() {
        chars.close();
        merging.close();
    }

    /** Four questions of four choices, in the order the evaluator sends them, plus requests that share nothing. */
    static List<Continuation> questions() {
        List<Continuation> r = new ArrayList<>();
        String[] contexts = {
            "Question: which animal says moo? Answer:",
            "The capital of France is",
            "a",
            "Pick one:\n",
        };
        String[][] choices = {
            {" cow", " dog", " a cat that barks", " b"},
            {" Paris", " Rome", " Berlin, Germany", " Paris"},
            {"b", "bc", "c", "abba"},
            {"x", "yy", "zzz", ""},
        };
        for (int q = 0; q < contexts.length; q++) {
            for (String c : choices[q]) {
                r.add(new Continuation(contexts[q], c));
            }
        }
        r.add(new Continuation("", "lonely"));
        r.add(new Continuation("", "also lonely"));
        r.add(new Continuation("unique context", " only"));
        return r;
    }

    static Stream<Arguments> families() {
        List<Arguments> out = new ArrayList<>();
        for (boolean bos : new boolean[] {true, false}) {
            out.add(Arguments.of("llama", (Supplier<ObjectNode>) TinyModels::llamaJson, bos));
            out.add(Arguments.of("qwen2", (Supplier<ObjectNode>) TinyModels::qwen2Json, bos));
            out.add(Arguments.of("mistral", (Supplier<ObjectNode>) TinyModels::mistralJson, bos));
        }
        // The newer families once each: what they add (q/k norms, soft-capping, per-layer windows and rotary bases,
        // fused weights) is inside the layers, which the BOS choice does not reach.
        out.add(Arguments.of("qwen3", (Supplier<ObjectNode>) TinyModels::qwen3Json, true));
        out.add(Arguments.of("gemma2", (Supplier<ObjectNode>) TinyModels::gemma2Json, true));
        out.add(Arguments.of("gemma3_text", (Supplier<ObjectNode>) TinyModels::gemma3Json, true));
        out.add(Arguments.of("phi3", (Supplier<ObjectNode>) TinyModels::phi3Json, false));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} bos={2}")
    @MethodSource("families")
    void sharedContextsEqualPerChoiceScoring(String name, Supplier<ObjectNode> json, boolean bos) {
        ModelConfig c = ModelConfig.fromJson(json.get());
        RuntimeOptions opts = LlamaModelTest.opts().withPrependBos(bos).withBatching(5, 200);
        try (InMemoryTensors w = TinyModels.random(c, 21, DType.F32)) {
            for (TextTokenizer tok : List.of(chars, merging)) {
                for (int maxLen : new int[] {0, 24}) {
                    assertSameScores(c, w, tok, opts.withMaxSequenceLength(maxLen), questions(),
                            name + " bos=" + bos + " maxLen=" + maxLen + (tok == merging ? " merging" : ""));
                }
            }
        }
    }

    @Test
    void aTokenSpanningTheBoundaryIsScoredAsTheWholeEncodingSplitsIt() {
        // "xa" + "bq" encodes as [x, ab, q]: the context's own tokens [x, a] are not a prefix of the whole encoding.
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson());
        List<Continuation> reqs = List.of(new Continuation("xa", "bq"), new Continuation("xa", "cq"),
                new Continuation("xa", "bqb"), new Continuation("xa", "q"));
        try (InMemoryTensors w = TinyModels.random(c, 5, DType.F32)) {
            assertSameScores(c, w, merging, LlamaModelTest.opts(), reqs, "boundary merge");
            try (LlamaModel m = LlamaModel.fromTensors(c, w, merging, LlamaModelTest.opts())) {
                List<LogLikelihood> got = m.logLikelihood(reqs);
                assertEquals(List.of(1, 2, 2, 1), got.stream().map(LogLikelihood::tokens).toList());
                ReferenceForward ref = new ReferenceForward(c, w);
                int ab = merging.encode("ab")[0];
                int[] x = TinyModels.charIds("xcq");
                // [BOS, x, ab, q]: only q is scored.
                assertEquals(logProb(ref, new int[] {TinyModels.BOS, x[0], ab, x[2]}, 3), got.get(0).logProb(),
                        1e-4);
                // [BOS, x, a, c, q]: c and q are scored.
                int a = TinyModels.charIds("a")[0];
                assertEquals(logProb(ref, new int[] {TinyModels.BOS, x[0], a, x[1], x[2]}, 3), got.get(1).logProb(),
                        1e-4);
            }
        }
    }

    @Test
    void scoringProjectsOnlyTheScoredPositionsToTheVocabulary() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        List<Continuation> reqs = questions();
        try (InMemoryTensors w = TinyModels.random(c, 8, DType.F32);
             LlamaModel m = LlamaModel.fromTensors(c, w, chars, LlamaModelTest.opts().withShareContexts(false))) {
            List<LogLikelihood> got = m.logLikelihood(reqs);
            long scored = got.stream().mapToLong(LogLikelihood::tokens).sum();
            assertEquals(scored, m.scoringWork().logitRows(), "context and padding positions are not projected");
            List<int[]> seqs = TinyModels.randomSequences(4, 6, 2, 15, c.vocabSize());
            m.scoreTokens(seqs);
            long all = seqs.stream().mapToLong(s -> s.length - 1).sum();
            assertEquals(scored + all, m.scoringWork().logitRows(), "padding positions are not projected");
        }
    }

    @Test
    void sharingFeedsEachContextThroughTheDecoderOnce() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson());
        List<Continuation> reqs = new ArrayList<>();
        String context = "A long shared context of many characters, so that it dominates the cost:";
        for (String choice : List.of(" one", " two", " three", " four")) {
            reqs.add(new Continuation(context, choice));
        }
        try (InMemoryTensors w = TinyModels.random(c, 8, DType.F32);
             LlamaModel shared = LlamaModel.fromTensors(c, w, chars, LlamaModelTest.opts());
             LlamaModel alone = LlamaModel.fromTensors(c, w, chars, LlamaModelTest.opts().withShareContexts(false))) {
            shared.logLikelihood(reqs);
            alone.logLikelihood(reqs);
            long perChoice = alone.scoringWork().decoderTokens();
            long once = shared.scoringWork().decoderTokens();
            // Per choice: 4 x (BOS + context + longest choice - 1) padded tokens; shared: the context once plus
            // 4 x (last context token + longest choice - 1).
            assertEquals(4L * (1 + context.length() + " three".length() - 1), perChoice);
            assertEquals(context.length() + 4L * " three".length(), once);
        }
    }

    static void assertSameScores(ModelConfig c, InMemoryTensors w, TextTokenizer tok, RuntimeOptions opts,
                                 List<Continuation> reqs, String what) {
        List<LogLikelihood> want;
        List<LogLikelihood> got;
        long perChoiceTokens;
        long sharedTokens;
        try (LlamaModel alone = LlamaModel.fromTensors(c, w, tok, opts.withShareContexts(false));
             LlamaModel shared = LlamaModel.fromTensors(c, w, tok, opts.withShareContexts(true))) {
            want = alone.logLikelihood(reqs);
            got = shared.logLikelihood(reqs);
            perChoiceTokens = alone.scoringWork().decoderTokens();
            sharedTokens = shared.scoringWork().decoderTokens();
        }
        for (int i = 0; i < reqs.size(); i++) {
            LogLikelihood a = want.get(i);
            LogLikelihood b = got.get(i);
            String at = what + " request " + i + " " + reqs.get(i);
            assertEquals(a.tokens(), b.tokens(), at);
            assertEquals(a.logProb(), b.logProb(), 1e-4 * Math.max(1, Math.abs(a.logProb())), at);
            assertEquals(a.greedy(), b.greedy(), at);
        }
        assertTrue(sharedTokens < perChoiceTokens,
                what + ": shared " + sharedTokens + " decoder tokens, per choice " + perChoiceTokens);
    }

    /** Reference log-probability of seq[from..] given what precedes it. */
    static double logProb(ReferenceForward ref, int[] seq, int from) {
        float[][] logits = ref.logits(Arrays.copyOf(seq, seq.length - 1));
        double lp = 0;
        for (int t = from; t < seq.length; t++) {
            float[] row = logits[t - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float l : row) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : row) {
                sum += Math.exp(l - max);
            }
            lp += row[seq[t]] - max - Math.log(sum);
        }
        return lp;
    }
}
