package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Evaluation budget and ask/tell bookkeeping shared by the strategies. The budget counts distinct genomes: a genetic
 * algorithm re-asks survivors and unaltered offspring, which the search loop answers from its journal without an
 * evaluation, so counting asks would end a GA run after far fewer evaluations than a CMA-ES run of the same budget.
 */
final class Budget {
    /** Consecutive asks without a new genome after which a strategy that only repeats itself is finished. */
    static final int STALE_ASKS = 50;

    /**
     * What a rejected candidate (fitness -Infinity) counts as: finite, so that CMA-ES ranges and NSGA-II crowding
     * distances stay numbers, and far below any real score.
     */
    static final double REJECTED = -1e10;

    private final int limit;
    private final Set<Genome> seen = new HashSet<>();
    private int stale;

    Budget(int limit) {
        this.limit = limit;
    }

    boolean exhausted() {
        return (limit > 0 && seen.size() >= limit) || stale >= STALE_ASKS;
    }

    /**
     * Cuts a batch where its new genomes would exceed what is left of the budget (repeats pass free) and counts them.
     */
    List<Genome> take(List<Genome> batch) {
        List<Genome> out = new ArrayList<>();
        int before = seen.size();
        for (Genome g : batch) {
            if (!seen.contains(g) && limit > 0 && seen.size() >= limit) {
                break;
            }
            seen.add(g);
            out.add(g);
        }
        stale = seen.size() > before ? 0 : stale + 1;
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
