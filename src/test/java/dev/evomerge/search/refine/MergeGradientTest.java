package dev.evomerge.search.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.SearchSlice;
import dev.evomerge.search.TinySearchFiles;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class MergeGradientTest {

    /**
     * d loss / d gene from autograd against a central difference of an independent loss: the candidate merged by the
     * merge engine, scored by the runtime's log-likelihood (the scorer's own requests), on a tiny task-arithmetic space
     * (a weight gene per source; a discrete lambda gene that must get gradient 0).
     */
    @Test
    void gradientMatchesFiniteDifferenceOfTheEngine(@TempDir Path dir) throws Exception {
        GradientOracle.Gradient grad = checkAgainstFiniteDifference(TinySearchFiles.write(dir),
                new Genome(new double[] {0.4, 0.7, 0.9}), new boolean[] {true, true, false}, 0.05, 2e-3, 1e-4, "");
        assertEquals(0.0, grad.gradient()[2], "the discrete lambda gene is not differentiable");
    }

    /**
     * A tiny space over the tiny sources of {@link TinySearchFiles} with {@code method}, a weight gene per source in
     * [0, 1] and a fixed density (and seed, for DARE's drop).
     */
    static Path maskedSpace(Path dir, String method) throws IOException {
        TinySearchFiles.write(dir);
        return Files.writeString(dir.resolve(method + ".yaml"), """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources:
                  a: models/a
                  b: models/b
                layers: 2
                method: %s
                parameters:
                  weight: [0, 1]
                fixed: {density: 0.5, seed: 7}
                objective:
                  tasks: [arith, capitals, choice]
                """.formatted(method));
    }

    /**
     * TIES (magnitude trim at density 0.5, sign election, normalized by the agreeing weights) and DARE (random drop
     * with the space's seed, L1 rescale): the gradient matches a central difference of the merge engine's loss. TIES's
     * loss jumps where an element's elected sign switches; at weights 0.9 / 0.15 none switches within the difference
     * (TIES keeps the top half of |d|, and two kept magnitudes rarely differ 4.5-fold), so the loss is smooth there.
     * Nearer equal weights switches dominate a difference: at 0.5 / 0.5 it measured 2.8e-3 where the gradient of
     * the smooth piece is 6.6e-5 (see docs/refine.md).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ties", "dare_linear"})
    void maskedGradientMatchesFiniteDifferenceOfTheEngine(String method, @TempDir Path dir) throws Exception {
        // TIES normalizes by the agreeing weights: its gradients are small (measured 1.3e-5 and 8.6e-5 here, DARE's
        // 1.7e-3 and 2.8e-3) against ~1e-6 of noise in the difference.
        checkAgainstFiniteDifference(maskedSpace(dir, method), new Genome(new double[] {0.9, 0.15}),
                new boolean[] {true, true}, 0.02, 1e-2, 1e-5, method + " ");
    }

    /**
     * Checks the autograd loss against the engine's at {@code at}, and each of the first two genes' gradient against
     * a central difference of step {@code h} (absolute tolerance 2e-6 for the ~1e-6 noise of double sums of float32
     * log-probabilities, plus {@code relative}); each difference must exceed {@code minAbs} so the check means
     * something. Returns the gradient for further checks.
     */
    private static GradientOracle.Gradient checkAgainstFiniteDifference(Path spaceFile, Genome at, boolean[] trainable,
                                                                       double h, double relative, double minAbs,
                                                                       String label) throws Exception {
        MergeSpace space = SearchSpaces.load(spaceFile);
        try (RunSetup wiring = RunSetup.local(space, Suite.load(TinySearchFiles.SUITE), spaceFile, null, 1,
                64, 1, 1);
             MergeGradient g = MergeGradient.create(space, wiring.merger(), wiring.slice(),
                     wiring.shared().tokenizer(), at, 1)) {
            assertArrayEquals(trainable, g.trainable(), "space " + space.geneNames());
            GradientOracle.Gradient grad = g.at(at);
            double engineAt = engineLoss(wiring, space, at);
            assertEquals(engineAt, grad.loss(), 2e-5 * engineAt, "the loss is the scorer's NLL of the targets");
            for (int i = 0; i < 2; i++) {
                double[] up = at.genes();
                double[] down = at.genes();
                up[i] += h;
                down[i] -= h;
                double fd = (engineLoss(wiring, space, new Genome(up)) - engineLoss(wiring, space, new Genome(down)))
                        / (2 * h);
                assertEquals(fd, grad.gradient()[i], 2e-6 + relative * Math.abs(fd), label + "gene " + i + " at " + at);
                assertTrue(Math.abs(fd) > minAbs, label + "gene " + i + "'s gradient should not vanish: " + fd);
            }
            return grad;
        }
    }


    /**
     * The merge engine's merge of a refined genome equals the weights the refinement's forward pass built, to 1e-6,
     * for TIES, DARE-TIES and DARE (linear): the masks fixed at the start are the candidates' own, and the sign
     * election is taken at each genome (here at weights far from the start's, where it differs).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ties", "dare_ties", "dare_linear"})
    void engineMergeOfRefinedGenomesEqualsTheForwardWeights(String method, @TempDir Path dir) throws Exception {
        Path spaceFile = maskedSpace(dir, method);
        MergeSpace space = SearchSpaces.load(spaceFile);
        Genome start = new Genome(new double[] {0.5, 0.5});
        try (RunSetup wiring = RunSetup.local(space, Suite.load(TinySearchFiles.SUITE), spaceFile, null, 1,
                64, 1, 1);
             MergeGradient g = MergeGradient.create(space, wiring.merger(), wiring.slice(),
                     wiring.shared().tokenizer(), start, 1)) {
            RefineStrategy refine = new RefineStrategy("refine", null, start, 3, 0.1, g);
            List<Genome> genomes = new ArrayList<>(List.of(new Genome(new double[] {0.9, 0.2}),
                    new Genome(new double[] {0.1, 0.7})));
            while (!refine.finished()) {
                List<Genome> asked = refine.ask();
                genomes.addAll(asked);
                refine.tell(asked, List.of(new Fitness(Map.of(), 0)));
            }
            assertEquals(4, genomes.size() - 2, "the start and three steps");
            assertNotEquals(start, genomes.getLast());
            int differing = 0;
            for (Genome genome : genomes) {
                Map<String, float[]> forward = g.weights(genome);
                try (CandidateMerger.Merged m = wiring.merger().materialize(space.decode(genome), "equal")) {
                    assertEquals(forward.keySet(), new java.util.HashSet<>(m.owned().names()));
                    for (var e : forward.entrySet()) {
                        float[] engine = m.owned().readFloats(e.getKey());
                        float[] mine = e.getValue();
                        for (int k = 0; k < engine.length; k++) {
                            assertEquals(engine[k], mine[k], 1e-6, method + " " + e.getKey() + "[" + k + "] at "
                                    + genome);
                        }
                    }
                    differing += java.util.Arrays.equals(forward.get("model.layers.0.mlp.up_proj.weight"),
                            g.weights(start).get("model.layers.0.mlp.up_proj.weight")) ? 0 : 1;
                }
            }
            assertEquals(genomes.size() - 1, differing, "every genome but the start merges differently");
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
