package dev.evomerge.search.refine;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.List;
import java.util.Objects;

/**
 * Gradient refinement (issue 13, item 3): from a genome, Adam steps (Kingma and Ba 2015, Algorithm 1) on the genes
 * against the gradient of the search slice's loss ({@link GradientOracle}), each step's genome asked as a candidate,
 * so it is journaled and scored on the search slice like any other and the finish picks among them by fitness.
 *
 * <p>Alone ({@code refine}) it first asks for its start genome, then takes {@code steps} steps from it. After another
 * strategy ({@code cmaes+refine20}) it passes every ask and tell through until that strategy is finished, then
 * refines from the best genome it was told of. Deterministic given the inner strategy's seed, the fitness it is told
 * and the gradients: a resumed run replays the same steps (the gradients from {@link GradientLog}). A step that moves
 * no gene (every moving gene pinned at a bound) ends the refinement.
 */
public final class RefineStrategy implements Strategy {
    /** Adam's step size in genome units: a weight in [0, 2] moves by at most about 0.04 per step. */
    public static final double LEARNING_RATE = 0.02;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final String name;
    private final Strategy inner;
    private final Genome start;
    private final int steps;
    private final double learningRate;
    private final GradientOracle oracle;

    private List<Genome> pending;
    private boolean innerPending;
    private Genome best;
    private double bestFitness = Double.NEGATIVE_INFINITY;
    private Genome current;
    private int taken;
    private boolean stuck;
    private double[] m;
    private double[] v;

    /**
     * @param inner the strategy to run first, or null to refine from {@code start}
     * @param start where refinement alone starts (also the fallback when the inner strategy told nothing finite)
     */
    public RefineStrategy(String name, Strategy inner, Genome start, int steps, double learningRate,
                          GradientOracle oracle) {
        if (steps < 0) {
            throw new IllegalArgumentException("refinement steps must be at least 0, but were " + steps);
        }
        if (!(learningRate > 0 && learningRate <= 1)) {
            throw new IllegalArgumentException("learning rate must be in (0, 1], but was " + learningRate);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.inner = inner;
        this.start = Objects.requireNonNull(start, "start");
        this.steps = steps;
        this.learningRate = learningRate;
        this.oracle = Objects.requireNonNull(oracle, "oracle");
        this.m = new double[start.size()];
        this.v = new double[start.size()];
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (inner != null && !inner.finished()) {
            List<Genome> asked = inner.ask();
            if (!asked.isEmpty()) {
                innerPending = true;
                pending = asked;
                return pending;
            }
        }
        if (current == null) {
            if (inner == null) {
                pending = List.of(start);
                return pending;
            }
            current = best != null ? best : start;
        }
        if (taken >= steps || stuck) {
            return List.of();
        }
        Genome next = step(current, oracle.at(current).gradient());
        if (next.equals(current)) {
            stuck = true;
            return List.of();
        }
        taken++;
        pending = List.of(next);
        return pending;
    }

    /** One Adam update of {@code from} against {@code gradient}, clipped to the genome box. */
    private Genome step(Genome from, double[] gradient) {
        int t = taken + 1;
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        double[] g = from.genes();
        for (int i = 0; i < g.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * gradient[i];
            v[i] = BETA2 * v[i] + (1 - BETA2) * gradient[i] * gradient[i];
            double update = learningRate * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + EPS);
            g[i] = Math.clamp(g[i] - update, 0.0, 1.0);
        }
        return new Genome(g);
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        if (pending == null || !pending.equals(genomes)) {
            throw new IllegalArgumentException("tell must answer the genomes of the last ask, in order");
        }
        if (results.size() != genomes.size()) {
            throw new IllegalArgumentException("tell got " + results.size() + " results for " + genomes.size()
                    + " genomes");
        }
        if (innerPending) {
            inner.tell(genomes, results);
        }
        for (int i = 0; i < genomes.size(); i++) {
            double f = results.get(i).scalar();
            if (Double.isFinite(f) && f > bestFitness) {
                bestFitness = f;
                best = genomes.get(i);
            }
        }
        if (!innerPending) {
            current = genomes.getFirst(); // the start genome, or the step just taken
        }
        innerPending = false;
        pending = null;
    }

    @Override
    public boolean finished() {
        return pending == null && (inner == null || inner.finished()) && current != null
                && (taken >= steps || stuck);
    }

    /** Refinement steps asked so far. */
    public int stepsTaken() {
        return taken;
    }

    @Override
    public String name() {
        return name;
    }
}
