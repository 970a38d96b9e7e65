package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import io.jenetics.DoubleGene;
import io.jenetics.GaussianMutator;
import io.jenetics.Genotype;
import io.jenetics.SinglePointCrossover;
import io.jenetics.TournamentSelector;
import io.jenetics.engine.Engine;
import io.jenetics.engine.Evaluator;

/**
 * A genetic algorithm (Jenetics): genes in [0, 1] as one {@code DoubleChromosome}, tournament selection, single-point
 * crossover and Gaussian mutation, maximizing the scalar fitness. Ask/tell by replay, see {@link EngineReplay}.
 */
public final class GaStrategy extends EngineReplay<Double> {
    private final int population;
    private final int tournament;
    private final double crossover;
    private final double mutation;

    public GaStrategy(int dimension, int population, int tournament, double crossover, double mutation, int budget,
                      Genome initial, long seed) {
        super(dimension, budget, initial, seed);
        if (population < 2) {
            throw new IllegalArgumentException("GA population must be at least 2, but was " + population);
        }
        this.population = population;
        this.tournament = tournament;
        this.crossover = crossover;
        this.mutation = mutation;
    }

    @Override
    Engine<DoubleGene, Double> engine(Evaluator<DoubleGene, Double> evaluator, Genotype<DoubleGene> factory) {
        return new Engine.Builder<>(evaluator, factory)
                .populationSize(population)
                .maximizing()
                .executor(Runnable::run)
                .selector(new TournamentSelector<>(tournament))
                .alterers(new SinglePointCrossover<>(crossover), new GaussianMutator<>(mutation))
                .build();
    }

    @Override
    Double fitness(Fitness result) {
        return Budget.finite(result.scalar());
    }

    @Override
    public String name() {
        return "ga";
    }
}
