package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.model.LanguageModel.Continuation;
import dev.evomerge.model.LanguageModel.Generation;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageModelTest {
    @TempDir
    static Path dir;
    static ModelConfig config;
    static InMemoryTensors weights;
    static TextTokenizer tokenizer;
    static LlamaModel model;
    static ReferenceForward ref;

    @BeforeAll
    static void load() throws IOException {
        config = ModelConfig.fromJson(TinyModels.llamaJson());
        weights = TinyModels.random(config, 9, DType.F32);
        tokenizer = TextTokenizer.load(TinyModels.writeCharTokenizer(dir));
        model = LlamaModel.fromTensors(config, weights, tokenizer, LlamaModelTest.opts().withBatching(3, 64));
        ref = new ReferenceForward(config, weights);
    }

    @AfterAll
    static void close() {
        model.close();
        tokenizer.close();
        weights.close();
    }

    @Test
    void charTokenizerLoadsOfflineAndRoundTrips() {
        String text = "Hello, world! 1+1=2 ~";
        assertArrayEquals(TinyModels.charIds(text), tokenizer.encode(text));
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        String lng = "ab".repeat(600);
        assertEquals(1200, tokenizer.encode(lng).length, "no truncation");
        assertEquals(0, tokenizer.encode("").length);
    }

    /** Sum of reference log-probs of seq[from..] given the prefix, and whether each was the argmax. */
    static double[] referenceScore(int[] seq, int from) {
        float[][] logits = ref.logits(java.util.Arrays.copyOf(seq, seq.length - 1));
        double lp = 0;
        boolean greedy = true;
        for (int t = from; t < seq.length; t++) {
            float[] row = logits[t - 1];
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int v = 0; v < row.length; v++) {
                if (row[v] > max) {
                    max = row[v];
                    arg = v;
                }
            }
            double sum = 0;
            for (float l : row) {
                sum += Math.exp(l - max);
            }
            lp += row[seq[t]] - max - Math.log(sum);
            greedy &= arg == seq[t];
        }
        return new double[] {lp, greedy ? 1 : 0};
    }

    @Test
    void logLikelihoodScoresTheContinuationGivenBosAndContext() {
        List<Continuation> reqs = List.of(
                new Continuation("The cat sat on the", " mat"),
                new Continuation("Q: 2+2? A:", " 4"),
                new Continuation("", "abc"),
                new Continuation("context ", "moved space"),
                new Continuation("x", ""));
        List<LogLikelihood> got = model.logLikelihood(reqs);
        for (int i = 0; i < 4; i++) {
            Continuation c = reqs.get(i);
            // lm-eval moves the context's trailing whitespace to the continuation.
            String context = c.context().stripTrailing();
            int[] ctx = TinyModels.charIds(context);
            int[] cont = TinyModels.charIds(c.context().substring(context.length()) + c.continuation());
            int[] seq = new int[1 + ctx.length + cont.length];
            seq[0] = TinyModels.BOS;
            System.arraycopy(ctx, 0, seq, 1, ctx.length);
            System.arraycopy(cont, 0, seq, 1 + ctx.length, cont.length);
            double[] want = referenceScore(seq, 1 + ctx.length);
            assertEquals(want[0], got.get(i).logProb(), 1e-4 * Math.max(1, Math.abs(want[0])), "request " + i);
            assertEquals(cont.length, got.get(i).tokens());
            assertEquals(want[1] == 1, got.get(i).greedy());
        }
        assertEquals(new LogLikelihood(0, 0, true), got.get(4));
    }

    @Test
    void greedyFlagIsTrueForTheModelsOwnGeneration() {
        String ctx = "abc";
        String gen = model.generate(List.of(ctx), new Generation(6, List.of())).get(0);
        LogLikelihood ll = model.logLikelihood(List.of(new Continuation(ctx, gen))).get(0);
        assertEquals(gen.length(), ll.tokens());
        assertTrue(ll.greedy());
        String other = gen.charAt(0) == 'q' ? "z" : "q";
        assertFalse(model.logLikelihood(List.of(new Continuation(ctx, other))).get(0).greedy());
    }

    @Test
    void rollingLogLikelihoodCoversEveryTokenOnceAcrossWindows() {
        String text = "the quick brown fox jumps over the lazy dog";
        int[] ids = TinyModels.charIds(text);
        int[] seq = new int[ids.length + 1];
        seq[0] = TinyModels.BOS;
        System.arraycopy(ids, 0, seq, 1, ids.length);
        double want = referenceScore(seq, 1)[0];
        LogLikelihood one = model.rollingLogLikelihood(List.of(text)).get(0);
        assertEquals(ids.length, one.tokens());
        assertEquals(want, one.logProb(), 1e-4 * Math.abs(want));
        // Windows of 16 tokens: scores differ (less context) but every token is counted exactly once.
        try (LlamaModel windowed = LlamaModel.fromTensors(config, weights, tokenizer,
                LlamaModelTest.opts().withMaxSequenceLength(16))) {
            LogLikelihood w = windowed.rollingLogLikelihood(List.of(text, "")).get(0);
            assertEquals(ids.length, w.tokens());
            // lm-eval's disjoint windows over 43 tokens with max length 16: [BOS]+t[0:16] scores t[0:16];
            // t[15:32] scores t[16:32]; t[26:43] scores t[32:43].
            assertEquals(43, ids.length);
            double first = referenceScore(java.util.Arrays.copyOf(seq, 17), 1)[0];
            double window2 = referenceScore(java.util.Arrays.copyOfRange(ids, 15, 32), 1)[0];
            double last = referenceScore(java.util.Arrays.copyOfRange(ids, 26, 43), 6)[0];
            assertEquals(first + window2 + last, w.logProb(), 1e-4 * Math.abs(w.logProb()));
            assertEquals(new LogLikelihood(0, 0, true), windowed.rollingLogLikelihood(List.of("")).get(0));
        }
    }

    @Test
    void generateStopsAtTheFirstStopStringAndDropsIt() {
        List<String> prompts = List.of("Once upon a time", "ab", "Zebra crossing:");
        List<String> free = model.generate(prompts, new Generation(10, List.of()));
        for (String f : free) {
            assertEquals(10, f.length(), "char-level: one char per token, no EOS among printable argmaxes? " + f);
        }
        for (int i = 0; i < prompts.size(); i++) {
            String f = free.get(i);
            String stop = f.substring(3, 5);
            String cut = model.generate(List.of(prompts.get(i)), new Generation(10, List.of("@@@", stop))).get(0);
            assertEquals(f.substring(0, f.indexOf(stop)), cut, "prompt " + i);
        }
        assertEquals(List.of(free.get(0).substring(0, 4)),
                model.generate(List.of(prompts.get(0)), new Generation(4, List.of())));
    }
}
