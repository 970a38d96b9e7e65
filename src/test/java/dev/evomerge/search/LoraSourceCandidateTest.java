package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.merge.recipe.RecipeParser;
import dev.evomerge.model.LayerPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search's LoRA source (base+adapter) is merged and scored as the folded model, never as a path with a '+'. */
class LoraSourceCandidateTest {
    @TempDir
    Path dir;

    private static final String Q = "model.layers.1.self_attn.q_proj.weight";

    @Test
    void recipesAndSourceCandidatesReadTheFoldedModel() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(40, 16, 24, 2, 4, 2, false, false);
        SyntheticCheckpoints.Model.base(dims, DType.F32, 5).write(dir.resolve("base"), Long.MAX_VALUE, 1);
        Path adapter = dir.resolve("adapters/math");
        try (InMemoryTensors t = new InMemoryTensors()) {
            Random rnd = new Random(1);
            t.putF32("base_model.model." + Q.replace(".weight", ".lora_A.weight"), new long[] {2, 16}, gaussian(rnd, 32));
            t.putF32("base_model.model." + Q.replace(".weight", ".lora_B.weight"), new long[] {16, 2}, gaussian(rnd, 32));
            SyntheticCheckpoints.writeTensors(dir.resolve("adapter-tmp"), t, DType.F32, null);
        }
        Files.createDirectories(adapter);
        Files.move(dir.resolve("adapter-tmp/model.safetensors"), adapter.resolve("adapter_model.safetensors"));
        Files.writeString(adapter.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\"]}");
        String ref = dir.resolve("base") + "+" + adapter;

        float[] folded;
        float[] plain;
        try (Checkpoint f = Checkpoint.open(dir.resolve("base"), adapter); Checkpoint b = Checkpoint.open(dir.resolve("base"))) {
            folded = f.readFloats(Q);
            plain = b.readFloats(Q);
        }
        assertNotEquals(plain[0], folded[0]);
        try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(64L << 20), null, null)) {
            assertArrayEquals(folded, merger.checkpoint(Path.of(ref)).readFloats(Q), 0f, "a source scored by path");
            Candidate source = new Candidate(null, LayerPath.identity(2), List.of(ref));
            try (var m = merger.materialize(source, "source")) {
                assertArrayEquals(folded, m.sources().getFirst().readFloats(Q), 0f);
            }
            Candidate recipe = Candidate.of(RecipeParser.parse("merge_method: linear\nmodels:\n  - model: base+adapters/math\n"
                    + "    parameters: {weight: 1.0}\n  - model: base\n    parameters: {weight: 0.0}\ndtype: float32\n",
                    "lora"));
            try (var m = merger.materialize(recipe, "candidate")) {
                TensorInfo info = m.owned().info(Q);
                assertEquals(DType.F32, info.dtype());
                assertArrayEquals(folded, m.owned().readFloats(Q), 0f, "linear weight 1 / 0 is the folded model");
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        return f;
    }
}
