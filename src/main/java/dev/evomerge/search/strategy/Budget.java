package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import java.util.List;

/** Evaluation budget and ask/tell bookkeeping shared by the strategies. */
final class Budget {
    /**
     * What a rejected candidate (fitness -Infinity) counts as: finite, so that CMA-ES ranges and NSGA-II crowding
     * distances stay numbers, and far below any real score.
     */
    static final double REJECTED = -1e10;

    private final int limit;
    private int asked;

    Budget(int limit) {
        this.limit = limit;
    }

    boolean exhausted() {
        return limit > 0 && asked >= limit;
    }

    /** Cuts a batch to what is left of the budget and counts it as asked. */
    List<Genome> take(List<Genome> batch) {
        List<Genome> out = limit > 0 ? batch.subList(0, Math.min(batch.size(), limit - asked)) : batch;
        asked += out.size();
        return List.copyOf(out);
    }

    static double finite(double value) {
        return Double.isFinite(value) ? value : REJECTED;
    }

    /** Checks that a tell answers the last ask. */
    static void checkTell(List<Genome> asked, List<Genome> genomes, List<Fitness> results) {
        if (asked == null) {
            throw new IllegalStateException("tell without a pending ask");
        }
        if (!asked.equals(genomes)) {
            throw new IllegalArgumentException("tell must answer the genomes of the last ask, in order");
        }
        if (results.size() != genomes.size()) {
            throw new IllegalArgumentException("tell got " + results.size() + " results for " + genomes.size()
                    + " genomes");
        }
    }
}
