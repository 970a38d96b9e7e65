package dev.evomerge.search.strategy;

import dev.evomerge.Resources;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.CMAESOptimizer;
import org.apache.commons.math3.random.MersenneTwister;

/**
 * CMA-ES (Hansen) through commons-math3's {@link CMAESOptimizer}, over genes bounded to [0, 1], maximizing the
 * scalar fitness (the optimizer minimizes its negation).
 *
 * <p><b>Why a replay.</b> {@code CMAESOptimizer.optimize} owns the loop and calls the objective synchronously, one
 * point at a time, so it cannot hand a generation out to be evaluated concurrently. It does, however, draw the whole
 * generation's Gaussian matrix {@code arz} (dimension x lambda) before evaluating its first point, and with
 * {@code checkFeasableCount = 0} draws nothing more until the generation's fitness values are all in; each point is
 * {@code xmean + sigma B D arz[:, k]}, repaired into the bounds before the objective sees it. The points of a
 * generation therefore do not depend on each other's fitness. So, to ask the next batch, this class runs a fresh
 * optimizer with the same seed and settings whose objective answers the i-th call with the i-th told value (and
 * checks that the point is the one told), records the points past the told ones with a placeholder value, and aborts
 * the run once it has recorded a whole generation. The recorded points are exactly what a sequential run evaluates
 * next (tested against a plain {@code CMAESOptimizer} run), and the loop evaluates them concurrently.
 *
 * <p>The first batch is the initial mean alone: {@code doOptimize} evaluates the start point before the first
 * generation. Every later batch is one generation of lambda points. The state is a function of the seed and the told
 * values, so resuming is replaying the journal's tells.
 *
 * <p><b>Cost.</b> Asking generation g re-runs the g earlier generations' updates without evaluating anything:
 * O(g (lambda d^2 + d^3)) arithmetic for d genes, O(G^2) generation updates over a run of G generations. For the
 * spaces here (d up to a few hundred, G up to a few hundred) that is seconds at most over a whole run, against minutes
 * per model evaluation. The optimizer's own stopping rules (flat fitness history, tiny step size, ill-conditioned
 * covariance) still apply; when the replayed run stops by itself, the strategy is finished. {@code stopFitness} is 0,
 * which disables that rule in commons-math3.
 *
 * <p>Rejected candidates (fitness -Infinity) are told as fitness {@value Budget#REJECTED}, keeping the optimizer's
 * value ranges finite.
 */
public final class CmaesStrategy implements Strategy {
    /**
     * commons-math3 caps the generations at this and uses it in the step-size damping
     * ({@code max(0.3, 1 - d / maxIterations)}); large enough to leave the damping at Hansen's default.
     */
    static final int MAX_ITERATIONS = 1_000_000;

    private final int dimension;
    private final int lambda;
    private final double sigma;
    private final long seed;
    private final double[] start;
    private final Budget budget;
    private final List<double[]> toldPoints = new ArrayList<>();
    private final List<Double> toldValues = new ArrayList<>();
    private List<Genome> pending;
    private boolean converged;

    /**
     * @param initial the initial mean, or null for the centre of the genome space
     */
    public CmaesStrategy(int dimension, int lambda, double sigma, int budget, Genome initial, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, but was " + dimension);
        }
        if (lambda < 2) {
            throw new IllegalArgumentException("CMA-ES population (lambda) must be at least 2, but was " + lambda);
        }
        // commons-math keeps about five dimension x dimension double matrices (C, B, BD and temporaries).
        Resources.requireHeap("CMA-ES over " + dimension + " genes (its covariance matrices; a smaller search space or"
                + " the ga strategy needs far less)", Resources.product(5, dimension, dimension, Double.BYTES));
        if (initial != null && initial.size() != dimension) {
            throw new IllegalArgumentException("initial genome has " + initial.size() + " genes, the space " + dimension);
        }
        this.dimension = dimension;
        this.lambda = lambda;
        this.sigma = sigma;
        this.seed = seed;
        this.start = initial == null ? filled(0.5) : initial.genes();
        this.budget = new Budget(budget);
    }

    /** Hansen's default population size for {@code dimension} genes: 4 + floor(3 ln d). */
    public static int defaultLambda(int dimension) {
        return 4 + (int) Math.floor(3 * Math.log(dimension));
    }

    public int lambda() {
        return lambda;
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (converged || budget.exhausted()) {
            return List.of();
        }
        List<double[]> points = replay();
        if (points.isEmpty()) {
            converged = true;
            return List.of();
        }
        pending = budget.take(points.stream().map(Genome::new).toList());
        return pending;
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        Budget.checkTell(pending, genomes, results);
        for (int i = 0; i < genomes.size(); i++) {
            toldPoints.add(genomes.get(i).genes());
            toldValues.add(-Budget.finite(results.get(i).scalar()));
        }
        pending = null;
    }

    @Override
    public boolean finished() {
        return pending == null && (converged || budget.exhausted());
    }

    @Override
    public String name() {
        return "cmaes";
    }

    /** Signals that a whole new generation has been recorded. */
    private static final class Collected extends RuntimeException {
        Collected() {
            super(null, null, false, false);
        }
    }

    private List<double[]> replay() {
        int wanted = toldValues.isEmpty() ? 1 : lambda;
        List<double[]> fresh = new ArrayList<>();
        int[] calls = {0};
        ObjectiveFunction objective = new ObjectiveFunction(point -> {
            int i = calls[0]++;
            if (i < toldValues.size()) {
                if (!Arrays.equals(point, toldPoints.get(i))) {
                    throw new IllegalStateException("CMA-ES replay diverged at evaluation " + i
                            + ": the told genome is not the point the optimizer asks for");
                }
                return toldValues.get(i);
            }
            fresh.add(point.clone());
            if (fresh.size() == wanted) {
                throw new Collected();
            }
            return 0.0;
        });
        try {
            newOptimizer(seed).optimize(new MaxEval(Integer.MAX_VALUE), objective, GoalType.MINIMIZE,
                    new InitialGuess(start), new SimpleBounds(filled(0.0), filled(1.0)),
                    new CMAESOptimizer.Sigma(filled(sigma)), new CMAESOptimizer.PopulationSize(lambda));
            return List.of();
        } catch (Collected done) {
            return fresh;
        }
    }

    /** The optimizer this strategy drives; a sequential run with the same settings is its reference. */
    static CMAESOptimizer newOptimizer(long seed) {
        return new CMAESOptimizer(MAX_ITERATIONS, 0.0, true, 0, 0, new MersenneTwister(seed), false, null);
    }

    private double[] filled(double v) {
        double[] a = new double[dimension];
        Arrays.fill(a, v);
        return a;
    }
}
