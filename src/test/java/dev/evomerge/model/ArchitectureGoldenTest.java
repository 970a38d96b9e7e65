package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Qwen3, Gemma 2, Gemma 3 (text), Phi-3 and Llama-with-attention_bias checkpoints against the independent PyTorch
 * reference of scripts/goldens/architectures.py (float64, one sequence at a time, naive attention): every next-token
 * log-probability within 1e-4 of the reference's, batched and one sequence at a time, and the same greedy tokens with and without
 * the KV cache. The checkpoints are random BF16 ones the script wrote beside its goldens.
 */
class ArchitectureGoldenTest {
    static final double TOLERANCE = 1e-4;

    static Path checkpoint(String family) {
        try {
            return Path.of(ArchitectureGoldenTest.class.getResource("/dev/evomerge/model/arch/" + family).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode golden(String family) throws IOException {
        return TinyModels.JSON.readTree(checkpoint(family).resolve("golden.json").toFile());
    }

    private static List<int[]> ids(JsonNode lists) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode l : lists) {
            int[] a = new int[l.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = l.get(i).asInt();
            }
            out.add(a);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma2", "gemma3_text", "phi3", "llama_bias"})
    void logProbabilitiesMatchTheReference(String family) throws IOException {
        JsonNode g = golden(family);
        List<int[]> seqs = ids(g.get("sequences"));
        for (int batch : new int[] {1, 8}) {
            RuntimeOptions options = LlamaModelTest.opts().withBatching(batch, 4096);
            try (LlamaModel m = LlamaModel.load(checkpoint(family), options)) {
                assertEquals(family.replace("_bias", ""), m.config().architecture().modelType());
                List<LlamaModel.TokenScores> got = m.scoreTokens(seqs);
                double worst = 0;
                for (int i = 0; i < seqs.size(); i++) {
                    JsonNode want = g.get("log_probs").get(i);
                    assertEquals(want.size(), got.get(i).logProbs().length);
                    for (int t = 0; t < want.size(); t++) {
                        double err = Math.abs(want.get(t).asDouble() - got.get(i).logProbs()[t]);
                        worst = Math.max(worst, err);
                        assertTrue(err <= TOLERANCE, family + " batch " + batch + " seq " + i + " token " + t
                                + ": reference " + want.get(t).asDouble() + ", runtime " + got.get(i).logProbs()[t]);
                    }
                }
                System.out.printf("%s batch %d: worst |log p - reference| %.2e%n", family, batch, worst);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma2", "gemma3_text", "phi3", "llama_bias"})
    void greedyTokensMatchTheReference(String family) throws IOException {
        JsonNode g = golden(family);
        List<int[]> prompts = ids(g.get("prompts"));
        List<int[]> want = ids(g.get("generated"));
        try (LlamaModel m = LlamaModel.load(checkpoint(family), LlamaModelTest.opts())) {
            for (boolean cache : new boolean[] {true, false}) {
                List<int[]> got = m.generateTokens(prompts, want.getFirst().length, (row, tokens) -> false, cache);
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(want.get(i), got.get(i), family + " prompt " + i + " cache " + cache);
                }
            }
        }
    }
}
