package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.Genotype;
import io.jenetics.Phenotype;
import io.jenetics.engine.Engine;
import io.jenetics.engine.Evaluator;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * A Jenetics {@link Engine} in ask/tell form. The engine pulls fitness values itself, but through a batch
 * {@link Evaluator} that receives the whole population, so a generation can be evaluated concurrently. To ask, a fresh
 * engine with the same settings runs under a {@link RandomRegistry} scoped to a {@code Random(seed)} and a
 * same-thread executor (so every random draw happens in one fixed order); its evaluator answers the i-th batch of
 * unevaluated phenotypes from the i-th tell (checking the genotypes match), and on the first batch past the tells
 * records the genotypes and aborts. Only phenotypes without fitness are asked: Jenetics keeps the fitness of survivors
 * and of offspring the alterers left unchanged, so the first batch is the initial population and later ones are the
 * altered offspring of each generation.
 *
 * <p>Cost: asking generation g replays g generations of selection and alteration (no evaluation), O(G^2) over a run.
 *
 * @param <C> the fitness type: {@code Double} for the GA, a vector for NSGA-II
 */
abstract sealed class EngineReplay<C extends Comparable<? super C>> implements Strategy
        permits GaStrategy, Nsga2Strategy {
    private final int dimension;
    private final long seed;
    private final Genome initial;
    private final Budget budget;
    private final List<List<Genome>> toldGenomes = new ArrayList<>();
    private final List<List<C>> toldValues = new ArrayList<>();
    private List<Genome> pending;

    EngineReplay(int dimension, int budget, Genome initial, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, but was " + dimension);
        }
        if (initial != null && initial.size() != dimension) {
            throw new IllegalArgumentException("initial genome has " + initial.size() + " genes, the space " + dimension);
        }
        this.dimension = dimension;
        this.seed = seed;
        this.initial = initial;
        this.budget = new Budget(budget);
    }

    /** The engine to replay, built around {@code evaluator}; it must use a same-thread executor. */
    abstract Engine<DoubleGene, C> engine(Evaluator<DoubleGene, C> evaluator, Genotype<DoubleGene> factory);

    /** The engine's fitness for a told result. */
    abstract C fitness(Fitness result);

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (budget.exhausted()) {
            return List.of();
        }
        pending = budget.take(replay());
        return pending;
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        Budget.checkTell(pending, genomes, results);
        toldGenomes.add(List.copyOf(genomes));
        toldValues.add(results.stream().map(this::fitness).toList());
        pending = null;
    }

    @Override
    public boolean finished() {
        return pending == null && budget.exhausted();
    }

    /** Every told genome with its fitness, in tell order. */
    List<Genome> toldGenomes() {
        return toldGenomes.stream().flatMap(List::stream).toList();
    }

    List<C> toldValues() {
        return toldValues.stream().flatMap(List::stream).toList();
    }

    private static final class Collected extends RuntimeException {
        Collected() {
            super(null, null, false, false);
        }
    }

    private List<Genome> replay() {
        List<Genome> fresh = new ArrayList<>();
        int[] batch = {0};
        Evaluator<DoubleGene, C> evaluator = population -> {
            List<Integer> open = new ArrayList<>();
            for (int i = 0; i < population.size(); i++) {
                if (!population.get(i).isEvaluated()) {
                    open.add(i);
                }
            }
            if (open.isEmpty()) {
                return ISeq.of(population);
            }
            int b = batch[0]++;
            if (b >= toldValues.size()) {
                open.forEach(i -> fresh.add(genome(population.get(i).genotype())));
                throw new Collected();
            }
            List<Genome> told = toldGenomes.get(b);
            if (told.size() != open.size()) {
                // A budget-truncated last batch can only be the last one told; nothing follows it.
                throw new IllegalStateException("GA replay diverged at batch " + b + ": " + open.size()
                        + " unevaluated individuals but " + told.size() + " told");
            }
            List<Phenotype<DoubleGene, C>> out = new ArrayList<>(population.asList());
            for (int k = 0; k < open.size(); k++) {
                int i = open.get(k);
                if (!genome(population.get(i).genotype()).equals(told.get(k))) {
                    throw new IllegalStateException("GA replay diverged at batch " + b + ", individual " + k);
                }
                out.set(i, population.get(i).withFitness(toldValues.get(b).get(k)));
            }
            return ISeq.of(out);
        };
        Genotype<DoubleGene> factory = Genotype.of(DoubleChromosome.of(0.0, 1.0, dimension));
        Engine<DoubleGene, C> engine = engine(evaluator, factory);
        RandomRegistry.using(new Random(seed), random -> {
            try {
                Iterator<?> it = (initial == null ? engine.stream()
                        : engine.stream(List.of(genotype(initial)))).iterator();
                while (it.hasNext()) {
                    it.next();
                }
            } catch (RuntimeException e) {
                if (!collected(e)) {
                    throw e;
                }
            }
        });
        return fresh;
    }

    private static boolean collected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Collected) {
                return true;
            }
        }
        return false;
    }

    static Genome genome(Genotype<DoubleGene> genotype) {
        return new Genome(((DoubleChromosome) genotype.chromosome()).toArray());
    }

    /** Jenetics genes live in [0, 1); a gene of exactly 1 (possible in a genome) is moved just below. */
    private static Genotype<DoubleGene> genotype(Genome genome) {
        double[] g = genome.genes();
        List<DoubleGene> genes = new ArrayList<>();
        for (double v : g) {
            genes.add(DoubleGene.of(Math.min(v, Math.nextDown(1.0)), 0.0, 1.0));
        }
        return Genotype.of(DoubleChromosome.of(genes));
    }

}
