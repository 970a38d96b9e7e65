package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Engine memory is counted in live arrays, not wall time or RSS: what the runtime keeps must not grow with candidates
 * (weight swaps plus scoring) nor, within one forward pass, with the number of layers.
 */
class NativeMemoryTest {

    @Test
    void liveArraysStayFlatOver200SwapsAndScorings() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.BF16);
             InMemoryTensors b = TinyModels.random(c, 2, DType.F32);
             LlamaModel m = LlamaModel.fromTensors(c, a, null, LlamaModelTest.opts())) {
            List<int[]> seqs = TinyModels.randomSequences(3, 5, 2, 12, c.vocabSize());
            int afterWarmup = -1;
            for (int i = 0; i < 200; i++) {
                m.releaseWeights();
                m.swapWeights(i % 2 == 0 ? b : a);
                m.scoreTokens(seqs);
                m.generateTokens(List.of(new int[] {3, 4, 5}), 3, (row, tokens) -> false, true);
                if (i == 9) {
                    afterWarmup = m.liveArrays();
                }
            }
            assertEquals(afterWarmup, m.liveArrays(), "live engine arrays after 10 and after 200 candidates");
        }
    }

    @Test
    void activationsInFlightDoNotGrowWithDepth() {
        int shallow = peakIntermediates(2);
        int deep = peakIntermediates(8);
        // Before each layer freed its own intermediates, every layer's (about 30 arrays) stayed alive until the end
        // of the pass: 8 layers held about 180 more than 2.
        assertTrue(deep <= shallow + 4, "arrays alive between layers: " + shallow + " with 2 layers, " + deep
                + " with 8");
    }

    /** Most arrays alive between layers, beyond the weights, while scoring a batch. */
    private static int peakIntermediates(int layers) {
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson().put("num_hidden_layers", layers));
        try (InMemoryTensors w = TinyModels.random(c, 7, DType.F32);
             LlamaModel m = LlamaModel.fromTensors(c, w, null, LlamaModelTest.opts())) {
            int weights = m.liveArrays();
            int[] peak = {0};
            m.afterEachLayer(() -> peak[0] = Math.max(peak[0], m.liveArrays() - weights));
            m.scoreTokens(TinyModels.randomSequences(5, 4, 6, 10, c.vocabSize()));
            assertTrue(peak[0] > 0, "the probe ran");
            return peak[0];
        }
    }
}
