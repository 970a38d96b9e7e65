package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.Scorer;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.gate.WeightDistance;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PS+DFS candidate (a task-arithmetic merge, then a layer path over the merged model and a source) leaves the
 * finish as a plain checkpoint that computes what the search scored: the same logits as the in-memory layer path.
 */
class FinishDataFlowTest {
    @TempDir
    Path dir;

    @Test
    void anAcceptedLayerPathIsWrittenAsTheModelTheSearchScored() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 3, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 8);
        base.write(dir.resolve("models/base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.2).write(dir.resolve("models/a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.2).write(dir.resolve("models/b"), Long.MAX_VALUE, 1);
        Path spaceFile = Files.writeString(dir.resolve("space.yaml"), """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources: {a: models/a, b: models/b}
                layers: 3
                method: task_arithmetic
                parameters: {weight: [0, 1]}
                dfs: {sources: [merged, a], scale: [0.5, 1.5]}
                objective: {tasks: [t1]}
                """);
        MergeSpace space = SearchSpaces.load(spaceFile);
        // Weights 0.3 / 0.8; then merged L0 (scale 1.25), a L0 skipped, merged L1, a L1 (scale 0.75), a L2, merged
        // L2 skipped: a path that repeats no layer index in order, mixes both sources and scales residuals.
        double[] g = {0.3, 0.8, 0.9, 0.75, 0.1, 0.5, 0.9, 0.5, 0.9, 0.25, 0.2, 0.5, 0.9, 0.5};
        assertEquals(g.length, space.dimension());
        Candidate c = space.decode(new Genome(g));
        assertNotNull(c.recipe());
        assertEquals(4, c.layerPath().steps().size());

        Path suite = GenSuite.write(dir.resolve("suite"), List.of("t1"), 2, 2);
        Path gates = Files.writeString(dir.resolve("gates.yaml"), """
                format: evomerge-gates
                version: 1
                suite: suite/gen.yaml
                slice: heldout
                gates:
                  - task: t1
                    min: 0
                """);
        ModelProvider provider = new ModelProvider(d -> GenSuite.model(q -> true), Path::toString);
        Scorer scorer = new Scorer(provider, new SuiteRunner(8, Progress.Factory.NONE), null);
        WeightDistance noDistance = (cand, b) -> new WeightDistance.Measurement(0, 1);
        JournalEntry e = new JournalEntry(0, 0, "fixed", new Genome(g), c.recipe().toYaml(), c.layerPath().toString(),
                Map.of("t1", 1.0), 1.0, CandidateStatus.EVALUATED, null, 0, 0, 0);

        Path run = dir.resolve("run");
        List<int[]> probes = List.of(new int[] {1, 40, 41, 42, 43, 44}, new int[] {1, 70, 3, 9});
        float[][][] scored;
        Finisher.FinishResult result;
        try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(0), null, null)) {
            try (CandidateMerger.Merged m = merger.materialize(c, "probe");
                 LlamaModel inMemory = LlamaModel.fromLayerPath(m.config(), m.sources(), m.path(), null,
                         RuntimeOptions.defaults().withIntraOpThreads(1))) {
                scored = inMemory.logits(probes);
            }
            result = new Finisher(space, merger, new GateRunner(scorer, noDistance), scorer, null)
                    .finish(run, GateFile.load(gates), List.of(e), 1, Map.of());
        }

        Finisher.Finalist o = result.outcomes().getFirst();
        assertTrue(o.accepted());
        Path ckpt = o.checkpoint();
        assertEquals(c.layerPath() + "\n", Files.readString(ckpt.resolve("layer_path.txt")));
        assertEquals(c.recipe().toYaml(), Files.readString(ckpt.resolve("mergekit_config.yml")));
        try (LlamaModel written = LlamaModel.load(ckpt, RuntimeOptions.defaults().withIntraOpThreads(1))) {
            assertEquals(4, written.config().numLayers(), "one layer per path step");
            float[][][] got = written.logits(probes);
            for (int s = 0; s < probes.size(); s++) {
                for (int p = 0; p < got[s].length; p++) {
                    for (int v = 0; v < got[s][p].length; v++) {
                        float want = scored[s][p][v];
                        assertEquals(want, got[s][p][v], 1e-4 + 1e-4 * Math.abs(want),
                                "sequence " + s + " position " + p + " token " + v);
                    }
                }
            }
        }
    }
}
