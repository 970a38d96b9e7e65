package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Uniform random search, the baseline every strategy is compared with. Genes are drawn in ask order from one seeded
 * generator, so the asks depend on the seed alone; tells only advance the bookkeeping.
 */
public final class RandomStrategy implements Strategy {
    private final int dimension;
    private final int batch;
    private final SplittableRandom random;
    private final Budget budget;
    private List<Genome> pending;

    public RandomStrategy(int dimension, int batch, int budget, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, but was " + dimension);
        }
        this.dimension = dimension;
        this.batch = batch;
        this.random = new SplittableRandom(seed);
        this.budget = new Budget(budget);
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (budget.exhausted()) {
            return List.of();
        }
        List<Genome> out = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            double[] g = new double[dimension];
            for (int j = 0; j < dimension; j++) {
                g[j] = random.nextDouble();
            }
            out.add(new Genome(g));
        }
        pending = budget.take(out);
        return pending;
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        Budget.checkTell(pending, genomes, results);
        pending = null;
    }

    @Override
    public boolean finished() {
        return pending == null && budget.exhausted();
    }

    @Override
    public String name() {
        return "random";
    }
}
