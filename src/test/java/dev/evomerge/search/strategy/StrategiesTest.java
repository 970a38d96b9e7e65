package dev.evomerge.search.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.CMAESOptimizer;
import org.junit.jupiter.api.Test;

class StrategiesTest {
    private static final int DIM = 5;

    /** Two conflicting tasks (optima at 0.2 and 0.8 per gene); the scalar is their mean. Every 7th is rejected. */
    static Fitness evaluate(Genome g) {
        double a = 0;
        double b = 0;
        for (int i = 0; i < g.size(); i++) {
            a -= (g.gene(i) - 0.2) * (g.gene(i) - 0.2);
            b -= (g.gene(i) - 0.8) * (g.gene(i) - 0.8);
        }
        if (((int) (g.gene(0) * 1e6)) % 7 == 0) {
            return new Fitness(Map.of(), Double.NEGATIVE_INFINITY);
        }
        return new Fitness(Map.of("a", a, "b", b), (a + b) / 2 + 0.1 * a);
    }

    static StrategyConfig config(String name) {
        StrategyConfig c = StrategyConfig.defaults().withPopulation(6).withBudget(200).withObjectives(List.of("a", "b"));
        if (name.equals("grid")) {
            List<List<Double>> axes = new ArrayList<>();
            for (int i = 0; i < DIM; i++) {
                axes.add(List.of(0.0, 0.5, 1.0));
            }
            c = c.withGrid(axes);
        }
        return c;
    }

    /** Runs {@code generations} ask/evaluate/tell rounds, returning the asks. */
    static List<List<Genome>> run(Strategy s, int generations) {
        List<List<Genome>> asks = new ArrayList<>();
        for (int i = 0; i < generations; i++) {
            List<Genome> batch = s.ask();
            asks.add(batch);
            s.tell(batch, batch.stream().map(StrategiesTest::evaluate).toList());
        }
        return asks;
    }

    @Test
    void everyStrategyIsReproducibleFromItsSeedAndRestoresStateByReplay() {
        for (String name : Strategies.names()) {
            if (name.equals("greedy-soup")) {
                continue; // needs a space's soups: GreedySoupStrategyTest
            }
            Strategy a = Strategies.create(name, config(name), DIM, 42);
            List<List<Genome>> asks = run(a, 3);
            for (List<Genome> batch : asks) {
                assertFalse(batch.isEmpty(), name);
                batch.forEach(g -> assertEquals(DIM, g.size()));
            }
            // Same seed: same asks.
            assertEquals(asks, run(Strategies.create(name, config(name), DIM, 42), 3), name);
            // Resume: a fresh strategy told the journal's results asks the same next batch as the original.
            Strategy b = Strategies.create(name, config(name), DIM, 42);
            for (List<Genome> batch : asks) {
                assertEquals(batch, b.ask(), name);
                b.tell(batch, batch.stream().map(StrategiesTest::evaluate).toList());
            }
            List<Genome> nextA = a.ask();
            assertEquals(nextA, b.ask(), name);
            assertFalse(nextA.isEmpty(), name);
            if (!name.equals("grid")) {
                assertNotEquals(asks, run(Strategies.create(name, config(name), DIM, 43), 3), name);
            }
        }
    }

    @Test
    void cmaesAsksExactlyWhatASequentialCmaesOptimizerEvaluates() {
        int lambda = 7;
        double sigma = 0.3;
        int generations = 6;
        long seed = 2024;
        List<double[]> sequential = new ArrayList<>();
        ObjectiveFunction f = new ObjectiveFunction(x -> {
            sequential.add(x.clone());
            double s = evaluate(new Genome(x)).scalar();
            return Double.isFinite(s) ? -s : -Budget.REJECTED;
        });
        double[] start = {0.5, 0.5, 0.5, 0.5, 0.5};
        CmaesStrategy.newOptimizer(seed).optimize(new MaxEval(1 + lambda * generations), f, GoalType.MINIMIZE,
                new InitialGuess(start), new SimpleBounds(new double[DIM], new double[] {1, 1, 1, 1, 1}),
                new CMAESOptimizer.Sigma(new double[] {sigma, sigma, sigma, sigma, sigma}),
                new CMAESOptimizer.PopulationSize(lambda));
        assertEquals(1 + lambda * generations, sequential.size());

        Strategy s = Strategies.create("cmaes", StrategyConfig.defaults().withPopulation(lambda).withSigma(sigma),
                DIM, seed);
        List<Genome> asked = new ArrayList<>();
        List<List<Genome>> batches = run(s, 1 + generations);
        batches.forEach(asked::addAll);
        assertEquals(1, batches.getFirst().size(), "the first batch is the initial mean");
        for (int i = 1; i < batches.size(); i++) {
            assertEquals(lambda, batches.get(i).size());
        }
        assertEquals(sequential.stream().map(Genome::new).toList(), asked);
        assertEquals(new Genome(start), asked.getFirst());
    }

    @Test
    void cmaesImprovesOnItsStartOnASmoothProblem() {
        Strategy s = Strategies.create("cmaes", StrategyConfig.defaults().withPopulation(8).withBudget(1 + 8 * 15),
                DIM, 1);
        double best = Double.NEGATIVE_INFINITY;
        double first = Double.NaN;
        while (!s.finished()) {
            List<Genome> batch = s.ask();
            List<Fitness> res = batch.stream().map(StrategiesTest::evaluate).toList();
            for (Fitness r : res) {
                first = Double.isNaN(first) ? r.scalar() : first;
                best = Math.max(best, r.scalar());
            }
            s.tell(batch, res);
        }
        assertTrue(s.ask().isEmpty());
        // optimum of 0.6 a + 0.5 b over [0,1]^5 is at x = (0.6*0.2 + 0.5*0.8)/1.1 per gene
        double x = (0.6 * 0.2 + 0.5 * 0.8) / 1.1;
        double opt = -5 * (0.6 * (x - 0.2) * (x - 0.2) + 0.5 * (x - 0.8) * (x - 0.8));
        assertTrue(best > first && best > opt - 0.01, "best " + best + " first " + first + " optimum " + opt);
    }

    @Test
    void gridEnumeratesExactlyTheProductInOdometerOrder() {
        List<List<Double>> axes = List.of(List.of(0.0, 1.0), List.of(0.1, 0.2, 0.3), List.of(0.5));
        Strategy g = Strategies.create("grid", StrategyConfig.defaults().withGrid(axes).withPopulation(4), 3, 0);
        List<Genome> all = new ArrayList<>();
        while (!g.finished()) {
            List<Genome> batch = g.ask();
            all.addAll(batch);
            g.tell(batch, batch.stream().map(StrategiesTest::evaluate).toList());
        }
        List<Genome> expected = new ArrayList<>();
        for (double a : axes.get(0)) {
            for (double b : axes.get(1)) {
                expected.add(new Genome(new double[] {a, b, 0.5}));
            }
        }
        assertEquals(expected, all);
        assertTrue(g.ask().isEmpty());
    }

    /**
     * The budget counts distinct genomes, which is what the search loop evaluates (a repeat is answered from the
     * journal): every strategy gets exactly its budget of evaluations, a GA that re-asks survivors included.
     */
    @Test
    void budgetCapsDistinctEvaluations() {
        for (String name : Strategies.names()) {
            if (name.equals("greedy-soup")) {
                continue; // 2n - 1 evaluations at most: GreedySoupStrategyTest
            }
            Strategy s = Strategies.create(name, config(name).withBudget(40), DIM, 5);
            java.util.Set<Genome> distinct = new java.util.HashSet<>();
            int asked = 0;
            while (!s.finished()) {
                List<Genome> batch = s.ask();
                asked += batch.size();
                distinct.addAll(batch);
                s.tell(batch, batch.stream().map(StrategiesTest::evaluate).toList());
            }
            assertEquals(40, distinct.size(), name + " (" + asked + " asked)");
        }
    }

    @Test
    void nsga2ReportsANonDominatedFrontInObjectiveOrder() {
        Nsga2Strategy s = (Nsga2Strategy) Strategies.create("nsga2", config("nsga2").withPopulation(12), DIM, 9);
        List<Genome> told = new ArrayList<>();
        for (List<Genome> batch : run(s, 6)) {
            told.addAll(batch);
        }
        List<Genome> front = s.paretoFront();
        assertFalse(front.isEmpty());
        Fitness f = new Fitness(Map.of("b", 2.0, "a", 1.0), 0);
        assertEquals(List.of(1.0, 2.0), java.util.Arrays.stream(s.vector(f)).boxed().toList());
        Set<Genome> inFront = new HashSet<>(front);
        for (Genome p : front) {
            double[] vp = s.vector(evaluate(p));
            for (Genome q : told) {
                double[] vq = s.vector(evaluate(q));
                boolean dominates = vq[0] >= vp[0] && vq[1] >= vp[1] && (vq[0] > vp[0] || vq[1] > vp[1]);
                assertFalse(dominates, "front member dominated");
            }
        }
        // Every told genome left out is dominated by some told genome.
        for (Genome q : told) {
            if (!inFront.contains(q)) {
                double[] vq = s.vector(evaluate(q));
                assertTrue(told.stream().map(p -> s.vector(evaluate(p))).anyMatch(vp -> vp[0] >= vq[0] && vp[1] >= vq[1]
                        && (vp[0] > vq[0] || vp[1] > vq[1])));
            }
        }
    }

    @Test
    void configAndFactoryErrorsAreOneLine() {
        assertThrows(UserError.class, () -> StrategyConfig.defaults().withSigma(0));
        assertThrows(UserError.class, () -> StrategyConfig.defaults().withPopulation(1));
        assertThrows(UserError.class, () -> StrategyConfig.defaults().withGrid(List.of(List.of(1.5))));
        UserError e = assertThrows(UserError.class, () -> Strategies.create("annealing", StrategyConfig.defaults(), 3, 0));
        assertEquals("unknown strategy 'annealing'; known strategies: cmaes, ga, nsga2, grid, random, greedy-soup,"
                + " refine,"
                + " <strategy>+refine<N>", e.getMessage());
        assertThrows(UserError.class, () -> Strategies.create("grid", StrategyConfig.defaults(), 3, 0));
        assertThrows(UserError.class, () -> Strategies.create("nsga2", StrategyConfig.defaults(), 3, 0));
        Strategy s = Strategies.create("random", StrategyConfig.defaults(), 3, 0);
        List<Genome> batch = s.ask();
        assertThrows(IllegalArgumentException.class, () -> s.tell(batch.subList(1, batch.size()), List.of()));
    }

    @Test
    void cmaesTooLargeForTheHeapIsRefusedBeforeAllocating() {
        UserError e = assertThrows(UserError.class, () -> new CmaesStrategy(2_000_000, 10, 0.3, 10, null, 1));
        assertTrue(e.getMessage().startsWith("CMA-ES over 2000000 genes") && e.getMessage().contains("the ga strategy"),
                e.getMessage());
    }
}
