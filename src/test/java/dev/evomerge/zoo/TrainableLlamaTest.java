package dev.evomerge.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TrainableLlama;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainableLlamaTest {
    private static final ZooSpec SPEC = ZooSpec.tiny();

    /** Weights far from the small init, so that every block changes the logits noticeably. */
    private static Map<String, float[]> bigWeights(ModelConfig c, long seed) {
        Map<String, float[]> v = TrainableLlama.initialValues(c, seed);
        Random rnd = new Random(seed + 1);
        v.forEach((name, a) -> {
            for (int i = 0; i < a.length; i++) {
                a[i] = name.endsWith("norm.weight") ? (float) (1 + 0.2 * rnd.nextGaussian())
                        : (float) (0.3 * rnd.nextGaussian());
            }
        });
        return v;
    }

    @Test
    void logitsEqualTheRuntimes() {
        ModelConfig c = SPEC.modelConfig();
        Map<String, float[]> w = bigWeights(c, 11);
        int[][] seqs = {{1, 40, 41, 42, 17, 5, 99 - 1, 2}, {1, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81}};
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
             TrainableLlama model = TrainableLlama.of(m, c, w);
             InMemoryTensors t = new InMemoryTensors()) {
            TrainableLlama.shapes(c).forEach((name, shape) -> t.putF32(name, shape, w.get(name)));
            try (LlamaModel runtime = LlamaModel.fromTensors(c, t, null, RuntimeOptions.defaults())) {
                for (int[] s : seqs) {
                    float[][] expected = runtime.logits(List.of(s))[0];
                    long[] ids = new long[s.length];
                    for (int i = 0; i < s.length; i++) {
                        ids[i] = s[i];
                    }
                    float[] got;
                    try (NDManager fm = m.newSubManager()) {
                        got = model.logits(fm, ids, 1, s.length).toFloatArray();
                    }
                    double spread = 0;
                    for (int p = 0; p < s.length; p++) {
                        for (int v = 0; v < c.vocabSize(); v++) {
                            float e = expected[p][v];
                            float g = got[p * c.vocabSize() + v];
                            assertEquals(e, g, 1e-4 + 1e-4 * Math.abs(e), "position " + p + " token " + v);
                            spread = Math.max(spread, Math.abs(e - expected[0][v]));
                        }
                    }
                    assertTrue(spread > 0.1, "logits must depend on the context, spread " + spread);
                }
            }
        }
    }

    @Test
    void lossIsTheMeanCrossEntropyOverWeightedTargets() {
        ModelConfig c = SPEC.modelConfig();
        Map<String, float[]> w = bigWeights(c, 5);
        long[] ids = {1, 40, 41, 42, 2, 1, 50, 51, 0, 0};
        float[] weights = {0, 1, 1, 0, 1, 0, 1, 1, 0, 0};
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
             TrainableLlama model = TrainableLlama.of(m, c, w);
             NDManager fm = m.newSubManager()) {
            float[] logits = model.logits(fm, new long[] {1, 40, 41, 42, 1, 50, 51, 0}, 2, 4).toFloatArray();
            // Targets: row 0 predicts 40 (w 1), 41 (w 1), 42 (w 0), 2 (w 1); row 1 predicts 50, 51 (w 1), pads (w 0).
            int[][] scored = {{0, 0, 40}, {0, 1, 41}, {0, 3, 2}, {1, 0, 50}, {1, 1, 51}};
            double sum = 0;
            for (int[] s : scored) {
                int base = (s[0] * 4 + s[1]) * c.vocabSize();
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < c.vocabSize(); v++) {
                    max = Math.max(max, logits[base + v]);
                }
                double z = 0;
                for (int v = 0; v < c.vocabSize(); v++) {
                    z += Math.exp(logits[base + v] - max);
                }
                sum += -(logits[base + s[2]] - max - Math.log(z));
            }
            float loss = model.loss(fm, ids, weights, 2, 5).getFloat();
            assertEquals(sum / scored.length, loss, 1e-5 * (1 + Math.abs(loss)));
        }
    }

    @Test
    void adamStepsLowerTheLossOnAFixedBatch() {
        ModelConfig c = SPEC.modelConfig();
        long[] ids = {1, 40, 41, 42, 43, 2, 1, 60, 61, 62, 63, 2};
        float[] w = {0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
             TrainableLlama model = TrainableLlama.of(m, c, TrainableLlama.initialValues(c, 3));
             Adam adam = new Adam(m, model.parameters())) {
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 0; step < 30; step++) {
                try (NDManager fm = m.newSubManager();
                     GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray loss = model.loss(fm, ids, w, 2, 6);
                    gc.backward(loss);
                    last = loss.getFloat();
                }
                if (step == 0) {
                    first = last;
                }
                adam.step(1e-2, 1.0);
            }
            assertEquals(Math.log(c.vocabSize()), first, 0.05, "a fresh model is near uniform");
            assertTrue(last < 0.5 * first, "30 steps on one batch must at least halve the loss: " + first + " -> " + last);
        }
    }

    /**
     * A LoRA model starts exactly at its base (B = 0), trains only its adapters, and after training its folded
     * weights reproduce its own logits in a plain model: what the checkpoint stores is what was trained.
     */
    @Test
    void loraStartsAtTheBaseAndFoldsIntoEquivalentWeights() {
        ModelConfig c = SPEC.modelConfig();
        Map<String, float[]> base = bigWeights(c, 21);
        long[] ids = {1, 40, 41, 42, 43, 2, 1, 60, 61, 62, 63, 2};
        float[] w = {0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
             TrainableLlama lora = TrainableLlama.lora(m, c, base, 2, 4.0, 7)) {
            Map<String, float[]> start = lora.values();
            base.forEach((name, v) -> assertTrue(java.util.Arrays.equals(v, start.get(name)), name));
            assertEquals(2 * 7 * c.numLayers(), lora.parameters().size(), "A and B on 7 projections per layer");
            try (Adam adam = new Adam(m, lora.parameters())) {
                for (int step = 0; step < 5; step++) {
                    try (NDManager fm = m.newSubManager();
                         GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        gc.backward(lora.loss(fm, ids, w, 2, 6));
                    }
                    adam.step(1e-2, 1.0);
                }
            }
            Map<String, float[]> folded = lora.values();
            assertTrue(ZooTrainer.norm(folded, base) > 1e-3, "training moved the weights");
            assertEquals(0.0, ZooTrainer.norm(Map.of("e", folded.get("model.embed_tokens.weight")),
                    Map.of("e", base.get("model.embed_tokens.weight"))), "embeddings are frozen");
            long[] in = {1, 40, 41, 42, 43, 50};
            try (TrainableLlama plain = TrainableLlama.of(m, c, folded); NDManager fm = m.newSubManager()) {
                float[] expected = lora.logits(fm, in, 1, in.length).toFloatArray();
                float[] got = plain.logits(fm, in, 1, in.length).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expected[i], got[i], 1e-4 + 1e-4 * Math.abs(expected[i]), "logit " + i);
                }
            }
        }
    }
    /**
     * The backward pass must not read memory that Java may already have freed. DJL's {@code x.mul(2f)} wraps the
     * scalar in a tensor over a direct buffer and closes it at once, while autograd keeps that tensor to compute
     * the gradient; once the buffer is collected and its memory reused, the gradient is garbage (it was the cause
     * of the zoo trainer's rare non-finite steps and of runs that differed with the same seed).
     */
    @Test
    void gradientsDoNotDependOnCollectedJavaBuffers() {
        ModelConfig c = SPEC.modelConfig();
        Map<String, float[]> base = bigWeights(c, 31);
        long[] ids = {1, 40, 41, 42, 43, 2, 1, 60, 61, 62, 63, 2};
        float[] w = {0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
        Map<String, float[]> clean = gradients(c, base, ids, w, false);
        Map<String, float[]> disturbed = gradients(c, base, ids, w, true);
        clean.forEach((name, g) -> assertTrue(java.util.Arrays.equals(g, disturbed.get(name)), name));
    }

    private static Map<String, float[]> gradients(ModelConfig c, Map<String, float[]> base, long[] ids, float[] w,
                                                  boolean reuseFreedMemory) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
             TrainableLlama lora = TrainableLlama.lora(m, c, base, 2, 4.0, 7)) {
            for (int step = 0; step < 2; step++) {  // B = 0 at the first step: the second sees every path
                try (NDManager fm = m.newSubManager();
                     GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray loss = lora.loss(fm, ids, w, 2, 6);
                    List<java.nio.ByteBuffer> claimed = reuseFreedMemory ? overwriteFreedDirectMemory() : List.of();
                    gc.backward(loss);
                    java.lang.ref.Reference.reachabilityFence(claimed);
                }
                lora.parameters().forEach((name, p) -> {
                    NDArray g = p.getGradient();
                    out.put(name, g.toFloatArray());
                    p.subi(g.mul(0.5f));
                    g.subi(g);
                    g.close();
                });
            }
        }
        return out;
    }

    /** Lets the collector free unreachable direct buffers, then claims small blocks and fills them with NaN. */
    private static List<java.nio.ByteBuffer> overwriteFreedDirectMemory() {
        List<java.nio.ByteBuffer> keep = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 2000; i++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 4) * 4)
                        .order(java.nio.ByteOrder.nativeOrder());
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                keep.add(b);
            }
        }
        return keep;
    }
}
