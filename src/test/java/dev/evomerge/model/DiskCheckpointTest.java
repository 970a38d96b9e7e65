package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.checkpoint.SyntheticCheckpoints.Dims;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void syntheticCheckpointsLoadFromDiskAndMatchTheReference() throws IOException {
        Dims qwen = new Dims(TinyModels.CHAR_VOCAB, 32, 48, 2, 4, 1, true, true);
        Dims llama = new Dims(TinyModels.CHAR_VOCAB, 32, 48, 3, 4, 2, false, false);
        List<Path> dirs = List.of(
                SyntheticCheckpoints.Model.base(qwen, DType.F32, 5).write(tmp.resolve("qwen"), 1L << 30, 1),
                // Small shards: tensors spread over several memory-mapped files.
                SyntheticCheckpoints.Model.base(llama, DType.BF16, 6).write(tmp.resolve("llama"), 20_000, 1));
        int[] seq = TinyModels.charIds("disk round trip");
        for (Path dir : dirs) {
            TinyModels.writeCharTokenizer(dir);
            try (Checkpoint cp = Checkpoint.open(dir);
                 LlamaModel m = LlamaModel.load(dir, LlamaModelTest.opts())) {
                ModelConfig c = ModelConfig.fromJson(cp.config());
                LlamaModelTest.assertClose(new ReferenceForward(c, cp).logits(seq), m.logits(List.of(seq))[0],
                        dir.getFileName().toString());
                LanguageModel.LogLikelihood ll = m.logLikelihood(
                        List.of(new LanguageModel.Continuation("disk", " round trip"))).get(0);
                assertEquals(11, ll.tokens());
                assertTrue(ll.logProb() < 0);
            }
        }
    }

    @Test
    void anExportedLayerPathReloadsFromDiskToTheSameLogits() {
        Dims d = new Dims(TinyModels.CHAR_VOCAB, 32, 48, 3, 4, 2, false, false);
        Path a = SyntheticCheckpoints.Model.base(d, DType.F32, 1).write(tmp.resolve("a"), 1L << 30, 1);
        Path b = SyntheticCheckpoints.Model.base(d, DType.F32, 1).fineTune(9, 0.5).write(tmp.resolve("b"), 1L << 30, 1);
        try (Checkpoint ca = Checkpoint.open(a); Checkpoint cb = Checkpoint.open(b)) {
            ModelConfig c = ModelConfig.fromJson(ca.config());
            Path out = LayerPathTest.PATH.exportAsCheckpoint(c, List.of(ca, cb), tmp.resolve("path"), false);
            List<int[]> seqs = TinyModels.randomSequences(3, 2, 4, 12, c.vocabSize());
            try (LlamaModel path = LlamaModel.fromLayerPath(c, List.of(ca, cb), LayerPathTest.PATH, null,
                         LlamaModelTest.opts());
                 LlamaModel reloaded = LlamaModel.load(out, LlamaModelTest.opts())) {
                assertEquals(5, reloaded.config().numLayers());
                float[][][] want = path.logits(seqs);
                float[][][] got = reloaded.logits(seqs);
                for (int i = 0; i < seqs.size(); i++) {
                    for (int t = 0; t < want[i].length; t++) {
                        for (int v = 0; v < want[i][t].length; v++) {
                            assertEquals(want[i][t][v], got[i][t][v], 1e-5 + 1e-5 * Math.abs(want[i][t][v]));
                        }
                    }
                }
            }
            UserError exists = assertThrows(UserError.class,
                    () -> LayerPathTest.PATH.exportAsCheckpoint(c, List.of(ca, cb), out, false));
            assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
        }
    }

    @Test
    void aCheckpointWithoutConfigIsRefusedNamingTheFile() throws IOException {
        Path dir = SyntheticCheckpoints.Model.base(Dims.tiny(), DType.F32, 1).write(tmp.resolve("m"), 1L << 30, 1);
        Files.delete(dir.resolve("config.json"));
        UserError e = assertThrows(UserError.class, () -> LlamaModel.load(dir, LlamaModelTest.opts()));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
