package dev.evomerge.search.strategy;

import dev.evomerge.UserError;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.ArrayList;
import java.util.List;

/**
 * Every point of the cartesian product of per-gene value lists, in odometer order (the last gene varies fastest),
 * in batches; finished when the grid (or the budget) is exhausted. A lambda x density sweep is a grid over a space
 * whose other genes have a single value.
 */
public final class GridStrategy implements Strategy {
    private final List<List<Double>> axes;
    private final long size;
    private final int batch;
    private final Budget budget;
    private long next;
    private List<Genome> pending;

    public GridStrategy(List<List<Double>> axes, int batch, int budget) {
        this.axes = List.copyOf(axes);
        if (this.axes.isEmpty()) {
            throw new UserError("a grid needs values for every gene, but none were given");
        }
        long n = 1;
        for (List<Double> a : this.axes) {
            n = Math.multiplyExact(n, a.size());
        }
        this.size = n;
        this.batch = batch;
        this.budget = new Budget(budget);
    }

    /** Number of grid points. */
    public long size() {
        return size;
    }

    /** Grid point {@code index} in odometer order. */
    public Genome point(long index) {
        double[] g = new double[axes.size()];
        long rest = index;
        for (int i = axes.size() - 1; i >= 0; i--) {
            List<Double> a = axes.get(i);
            g[i] = a.get((int) (rest % a.size()));
            rest /= a.size();
        }
        return new Genome(g);
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (next >= size || budget.exhausted()) {
            return List.of();
        }
        List<Genome> out = new ArrayList<>();
        for (long i = next; i < Math.min(size, next + batch); i++) {
            out.add(point(i));
        }
        pending = budget.take(out);
        next += pending.size();
        return pending;
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        Budget.checkTell(pending, genomes, results);
        pending = null;
    }

    @Override
    public boolean finished() {
        return pending == null && (next >= size || budget.exhausted());
    }

    @Override
    public String name() {
        return "grid";
    }
}
