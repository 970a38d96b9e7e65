package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwapWeightsTest {

    @Test
    void swappedWeightsGiveTheNewModelsLogits() {
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors a = TinyModels.random(c, 1, DType.F32);
             InMemoryTensors b = TinyModels.random(c, 2, DType.BF16);
             LlamaModel m = LlamaModel.fromTensors(c, a, null, LlamaModelTest.opts())) {
            int[] seq = {5, 9, 30, 2, 77};
            m.swapWeights(b);
            LlamaModelTest.assertClose(new ReferenceForward(c, b).logits(seq), m.logits(List.of(seq))[0], "after swap");
            m.swapWeights(a);
            LlamaModelTest.assertClose(new ReferenceForward(c, a).logits(seq), m.logits(List.of(seq))[0], "swap back");
        }
    }

    /** Resident set size from /proc (Linux); the engine's allocations are invisible to the Java heap. */
    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    private static long heapCommitted() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    @Test
    void nativeMemoryStaysFlatOver1000Swaps() throws IOException {
        // Wider than the other tiny models so a leaked candidate (~0.9 MB of converted floats) would show:
        // 900 leaked swaps would add ~800 MB. RSS also moves with the Java heap (other tests in the same JVM grow it:
        // 108 MB once on a loaded machine), so the heap's committed growth is taken off, and with glibc arenas
        // (+-25 MB, measured over 4,000 swaps), so the bound is 100 MB: an eighth of what a per-swap leak would add.
        ModelConfig c = ModelConfig.fromJson(TinyModels.llamaJson().put("hidden_size", 64).put("intermediate_size", 256)
                .put("num_attention_heads", 8).put("num_key_value_heads", 4));
        try (InMemoryTensors f16 = TinyModels.random(c, 1, DType.F16);
             InMemoryTensors bf16 = TinyModels.random(c, 2, DType.BF16);
             InMemoryTensors f32 = TinyModels.random(c, 3, DType.F32);
             LlamaModel m = LlamaModel.fromTensors(c, f32, null, LlamaModelTest.opts())) {
            List<InMemoryTensors> cycle = List.of(f16, bf16, f32);
            int[] seq = {3, 4, 5, 6, 7, 8};
            long afterWarmup = 0;
            for (int i = 0; i < 1000; i++) {
                m.swapWeights(cycle.get(i % 3));
                if (i % 50 == 0) {
                    m.scoreTokens(List.of(seq));
                }
                if (i == 99) {
                    System.gc();
                    afterWarmup = rssBytes() - heapCommitted();
                }
            }
            System.gc();
            long growth = rssBytes() - heapCommitted() - afterWarmup;
            System.out.printf("RSS growth over swaps 100..1000: %.1f MB%n", growth / 1e6);
            assertTrue(growth < 100_000_000, "RSS grew by " + growth + " bytes over 900 swaps");
        }
    }
}
