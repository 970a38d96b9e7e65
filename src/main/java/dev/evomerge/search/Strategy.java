package dev.evomerge.search;

import java.util.List;

/**
 * A search strategy in ask/tell form. Implementations are deterministic given their seed and the fitness values they
 * were told: re-creating one and replaying the journal's (genome, fitness) pairs reproduces its state exactly, which
 * is how a killed run resumes without re-evaluating anything.
 */
public interface Strategy {
    /** The next batch to evaluate (a generation, or the next points of a grid); empty when finished. */
    List<Genome> ask();

    /** Results for the genomes of the last {@link #ask()}, in the same order. */
    void tell(List<Genome> genomes, List<Fitness> results);

    /** Whether the strategy has nothing more to ask (grid exhausted, budget reached). */
    boolean finished();

    /** Short name for journals and plots, e.g. {@code cmaes}. */
    String name();
}
