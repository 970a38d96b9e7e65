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
import io.jenetics.ext.moea.NSGA2Selector;
import io.jenetics.ext.moea.Vec;
import java.util.ArrayList;
import java.util.List;

/**
 * NSGA-II (Deb et al. 2002) through Jenetics' multi-objective support: survivors chosen by non-dominated rank and
 * crowding distance ({@link NSGA2Selector}), offspring by tournament, maximizing every task score. The fitness vector
 * is {@code Fitness.tasks()} read in {@code objectives} order; a missing or non-finite score counts as
 * {@value Budget#REJECTED}. Ask/tell by replay, see {@link EngineReplay}.
 */
public final class Nsga2Strategy extends EngineReplay<Vec<double[]>> {
    private final int population;
    private final int tournament;
    private final double crossover;
    private final double mutation;
    private final List<String> objectives;

    public Nsga2Strategy(int dimension, List<String> objectives, int population, int tournament, double crossover,
                         double mutation, int budget, Genome initial, long seed) {
        super(dimension, budget, initial, seed);
        if (population < 2) {
            throw new IllegalArgumentException("NSGA-II population must be at least 2, but was " + population);
        }
        this.objectives = List.copyOf(objectives);
        if (this.objectives.size() < 2) {
            throw new IllegalArgumentException("NSGA-II needs at least two objectives, but had " + this.objectives);
        }
        this.population = population;
        this.tournament = tournament;
        this.crossover = crossover;
        this.mutation = mutation;
    }

    @Override
    Engine<DoubleGene, Vec<double[]>> engine(Evaluator<DoubleGene, Vec<double[]>> evaluator,
                                             Genotype<DoubleGene> factory) {
        return new Engine.Builder<>(evaluator, factory)
                .populationSize(population)
                .maximizing()
                .executor(Runnable::run)
                .offspringSelector(new TournamentSelector<>(tournament))
                .survivorsSelector(NSGA2Selector.ofVec())
                .alterers(new SinglePointCrossover<>(crossover), new GaussianMutator<>(mutation))
                .build();
    }

    @Override
    Vec<double[]> fitness(Fitness result) {
        return Vec.of(vector(result));
    }

    /** The fitness vector of a result, in objectives order. */
    public double[] vector(Fitness result) {
        double[] v = new double[objectives.size()];
        for (int i = 0; i < v.length; i++) {
            Double s = result.tasks().get(objectives.get(i));
            v[i] = s == null ? Budget.REJECTED : Budget.finite(s);
        }
        return v;
    }

    /** The told genomes no other told genome dominates (the Pareto front found so far), in tell order. */
    public List<Genome> paretoFront() {
        List<Genome> genomes = toldGenomes();
        List<Vec<double[]>> values = toldValues();
        List<Genome> front = new ArrayList<>();
        for (int i = 0; i < genomes.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < genomes.size() && !dominated; j++) {
                dominated = j != i && values.get(j).dominance(values.get(i)) > 0;
            }
            if (!dominated) {
                front.add(genomes.get(i));
            }
        }
        return front;
    }

    @Override
    public String name() {
        return "nsga2";
    }
}
