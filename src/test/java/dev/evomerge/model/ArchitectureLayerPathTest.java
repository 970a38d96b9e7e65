package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.InMemoryTensors;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Layer paths through the newer families' golden checkpoints (and Llama with attention biases): a path run in the
 * runtime and its exported checkpoint (scales folded, config.json with the resized layer types) give the same logits,
 * and the export holds exactly the family's tensors.
 */
class ArchitectureLayerPathTest {
    static final LayerPath PATH = new LayerPath(List.of(
            new LayerPath.Step(0, 0, 1.0),
            new LayerPath.Step(1, 1, 0.5),
            new LayerPath.Step(0, 1, 1.25),
            new LayerPath.Step(1, 0, 0.75),
            new LayerPath.Step(0, 1, 1.0)));

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma2", "gemma3_text", "phi3", "llama_bias"})
    void exportedPathReloadsToTheSameLogits(String family) {
        try (Checkpoint a = Checkpoint.open(ArchitectureGoldenTest.checkpoint(family));
             Checkpoint b = Checkpoint.open(ArchitectureGoldenTest.checkpoint(family))) {
            ModelConfig c = ModelConfig.fromJson(a.config());
            try (LlamaModel path = LlamaModel.fromLayerPath(c, List.of(a, b), PATH, null, LlamaModelTest.opts());
                 InMemoryTensors exported = PATH.export(c, List.of(a, b))) {
                ModelConfig ec = ModelConfig.fromJson(PATH.exportedConfig(c).toJson());
                assertEquals(PATH.exportedConfig(c), ec, "config.json round trip");
                assertEquals(expectedNames(a, c, PATH.size()), new TreeSet<>(exported.names()));
                try (LlamaModel reloaded = LlamaModel.fromTensors(ec, exported, null, LlamaModelTest.opts())) {
                    List<int[]> seqs = TinyModels.randomSequences(6, 3, 2, 11, c.vocabSize());
                    float[][][] want = path.logits(seqs);
                    float[][][] got = reloaded.logits(seqs);
                    for (int i = 0; i < seqs.size(); i++) {
                        for (int t = 0; t < want[i].length; t++) {
                            for (int v = 0; v < want[i][t].length; v++) {
                                assertEquals(want[i][t][v], got[i][t][v], 1e-5 + 1e-5 * Math.abs(want[i][t][v]),
                                        family + " seq " + i + " t " + t);
                            }
                        }
                    }
                }
            }
        }
    }

    /** The source's names with its layer 0's tensors repeated for each of {@code layers} layers. */
    private static Set<String> expectedNames(Checkpoint src, ModelConfig c, int layers) {
        Set<String> out = new TreeSet<>();
        Set<String> layerZero = new TreeSet<>();
        for (String n : src.names()) {
            if (!n.startsWith("model.layers.")) {
                out.add(n);
            } else if (n.startsWith("model.layers.0.")) {
                layerZero.add(n.substring("model.layers.0.".length()));
            }
        }
        assertEquals(layerZero, new TreeSet<>(LayerPath.layerTensors(c)), "the family's layer tensors");
        for (int l = 0; l < layers; l++) {
            for (String suffix : layerZero) {
                out.add("model.layers." + l + "." + suffix);
            }
        }
        return out;
    }
}
