package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchingAndCacheTest {
    static ModelConfig config;
    static InMemoryTensors weights;
    static LlamaModel model;

    @BeforeAll
    static void load() {
        // Mistral: GQA and a sliding window shorter than the sequences, so cached decoding must apply the window too.
        config = ModelConfig.fromJson(TinyModels.mistralJson().put("num_key_value_heads", 2));
        weights = TinyModels.random(config, 3, DType.F32);
        model = LlamaModel.fromTensors(config, weights, null, LlamaModelTest.opts());
    }

    @AfterAll
    static void close() {
        model.close();
        weights.close();
    }

    @Test
    void aPaddedBatchEqualsItsSingles() {
        List<int[]> seqs = TinyModels.randomSequences(11, 5, 2, 17, config.vocabSize());
        float[][][] batch = model.logits(seqs);
        for (int i = 0; i < seqs.size(); i++) {
            float[][] single = model.logits(List.of(seqs.get(i)))[0];
            // Same math, different padding: equal up to BLAS blocking differences.
            LlamaModelTest.assertClose(single, batch[i], "seq " + i);
        }
    }

    @Test
    void scoresAreLogSoftmaxOfTheReferenceLogits() {
        List<int[]> seqs = TinyModels.randomSequences(12, 4, 2, 12, config.vocabSize());
        List<LlamaModel.TokenScores> scores = model.scoreTokens(seqs);
        ReferenceForward ref = new ReferenceForward(config, weights);
        for (int i = 0; i < seqs.size(); i++) {
            int[] s = seqs.get(i);
            float[][] logits = ref.logits(s);
            for (int t = 0; t + 1 < s.length; t++) {
                double max = Double.NEGATIVE_INFINITY;
                int arg = 0;
                for (int v = 0; v < logits[t].length; v++) {
                    if (logits[t][v] > max) {
                        max = logits[t][v];
                        arg = v;
                    }
                }
                double sum = 0;
                for (float l : logits[t]) {
                    sum += Math.exp(l - max);
                }
                double want = logits[t][s[t + 1]] - max - Math.log(sum);
                assertEquals(want, scores.get(i).logProbs()[t], 1e-4 + 1e-4 * Math.abs(want), "seq " + i + " t " + t);
                assertEquals(arg == s[t + 1], scores.get(i).greedy()[t], "seq " + i + " t " + t);
            }
        }
    }

    @Test
    void kvCachedGenerationEqualsUncachedAndSingles() {
        List<int[]> prompts = TinyModels.randomSequences(13, 4, 1, 9, config.vocabSize());
        LlamaModel.StopCondition never = (row, tokens) -> false;
        List<int[]> cached = model.generateTokens(prompts, 12, never, true);
        List<int[]> uncached = model.generateTokens(prompts, 12, never, false);
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(uncached.get(i), cached.get(i), "prompt " + i);
            assertEquals(12, cached.get(i).length);
            int[] single = model.generateTokens(List.of(prompts.get(i)), 12, never, true).get(0);
            assertArrayEquals(single, cached.get(i), "prompt " + i + " alone");
        }
    }

    @Test
    void greedyTokensFollowTheReferenceArgmax() {
        int[] prompt = TinyModels.randomSequences(14, 1, 6, 6, config.vocabSize()).get(0);
        int[] gen = model.generateTokens(List.of(prompt), 8, (r, t) -> false, true).get(0);
        ReferenceForward ref = new ReferenceForward(config, weights);
        List<Integer> seq = new ArrayList<>();
        for (int p : prompt) {
            seq.add(p);
        }
        for (int k = 0; k < gen.length; k++) {
            float[][] logits = ref.logits(seq.stream().mapToInt(Integer::intValue).toArray());
            float[] last = logits[logits.length - 1];
            int arg = 0;
            for (int v = 1; v < last.length; v++) {
                arg = last[v] > last[arg] ? v : arg;
            }
            assertEquals(arg, gen[k], "step " + k);
            seq.add(arg);
        }
    }

    @Test
    void stopConditionEndsEachRowOnItsOwn() {
        List<int[]> prompts = TinyModels.randomSequences(15, 3, 2, 5, config.vocabSize());
        List<int[]> gen = model.generateTokens(prompts, 10, (row, tokens) -> tokens.length == row + 2, true);
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(i + 2, gen.get(i).length, "row " + i);
        }
        assertTrue(model.generateTokens(prompts, 1, (r, t) -> false, true).stream().allMatch(g -> g.length == 1));
    }
}
