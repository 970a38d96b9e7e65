package dev.evomerge.search.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.eval.Example;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.Task;
import dev.evomerge.eval.TaskFormat;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TextTokenizer;
import dev.evomerge.search.CandidateMerger;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.SearchSlice;
import dev.evomerge.search.TinySearchFiles;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeGradientTest {

    /**
     * d loss / d gene from autograd against a central difference of an independent loss: the candidate merged by the
     * merge engine, scored by the runtime's log-likelihood (the scorer's own requests), on a tiny task-arithmetic space
     * (a weight gene per source; a discrete lambda gene that must get gradient 0).
     */
    @Test
    void gradientMatchesFiniteDifferenceOfTheEngine(@TempDir Path dir) throws Exception {
        Path spaceFile = TinySearchFiles.write(dir);
        MergeSpace space = SearchSpaces.load(spaceFile);
        Genome at = new Genome(new double[] {0.4, 0.7, 0.9});
        try (RunSetup wiring = RunSetup.local(space, Suite.load(TinySearchFiles.SUITE), spaceFile, null, 1,
                64, 1, 1);
             MergeGradient g = MergeGradient.create(space, wiring.merger(), wiring.slice(),
                     wiring.shared().tokenizer(), at, 1)) {
            assertArrayEquals(new boolean[] {true, true, false}, g.trainable(), "space " + space.geneNames());
            GradientOracle.Gradient grad = g.at(at);
            double engineAt = engineLoss(wiring, space, at);
            assertEquals(engineAt, grad.loss(), 2e-5 * engineAt, "the loss is the scorer's NLL of the targets");
            double h = 0.05;
            for (int i = 0; i < 2; i++) {
                double[] up = at.genes();
                double[] down = at.genes();
                up[i] += h;
                down[i] -= h;
                double fd = (engineLoss(wiring, space, new Genome(up)) - engineLoss(wiring, space, new Genome(down)))
                        / (2 * h);
                // Double-precision sums of float32 log-probabilities: the difference carries ~1e-6 of noise.
                assertEquals(fd, grad.gradient()[i], 2e-6 + 2e-3 * Math.abs(fd), "gene " + i + " at " + at);
                assertTrue(Math.abs(fd) > 1e-4, "gene " + i + "'s gradient should not vanish: " + fd);
            }
            assertEquals(0.0, grad.gradient()[2], "the discrete lambda gene is not differentiable");
        }
    }

    /** Task-weighted mean per-token NLL of the search slice's targets, from the merge engine and the runtime. */
    static double engineLoss(RunSetup wiring, MergeSpace space, Genome genome) {
        SearchSlice slice = wiring.slice();
        try (CandidateMerger.Merged m = wiring.merger().materialize(space.decode(genome), "fd");
             TextTokenizer tok = TextTokenizer.load(wiring.shared().tokenizer());
             LlamaModel model = LlamaModel.fromLayerPath(m.config(), m.sources(), m.path(), tok,
                     RuntimeOptions.defaults().withIntraOpThreads(1))) {
            double sum = 0;
            double weights = 0;
            for (Task t : slice.suite().tasks()) {
                double w = space.objective().weights().getOrDefault(t.name(), 0.0);
                if (w == 0) {
                    continue;
                }
                List<LanguageModel.LogLikelihood> lls;
                if (t.format() instanceof TaskFormat.Perplexity p) {
                    lls = model.rollingLogLikelihood(t.examples(SearchSlice.SLICE).stream()
                            .map(e -> p.text(e, t.name())).toList());
                } else {
                    List<LanguageModel.Continuation> rs = new ArrayList<>();
                    for (Example e : t.examples(SearchSlice.SLICE)) {
                        String cont = switch (t.format()) {
                            case TaskFormat.Generate gen -> gen.target(e, t.name());
                            case TaskFormat.MultipleChoice mc -> {
                                List<String> cs = mc.choices(e, t.name());
                                yield mc.targetDelimiter() + cs.get(mc.gold(e, cs, t.name()));
                            }
                            case TaskFormat.Perplexity p -> throw new AssertionError();
                        };
                        rs.add(new LanguageModel.Continuation(t.context(e), cont));
                    }
                    lls = model.logLikelihood(rs);
                }
                double lp = 0;
                long tokens = 0;
                for (LanguageModel.LogLikelihood ll : lls) {
                    lp += ll.logProb();
                    tokens += ll.tokens();
                }
                sum += w * (-lp / tokens);
                weights += w;
            }
            return sum / weights;
        }
    }
}
