package dev.evomerge.search;

import dev.evomerge.merge.recipe.ParameterValue;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.Scalar;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test doubles for the search contracts: a linear space over two models, a seeded adaptive strategy. */
final class Doubles {
    private Doubles() {
    }

    /** Gene i is the linear weight of model {@code models[i]} (relative paths, resolved by the loop). */
    record LinearSpace(List<String> models) implements SearchSpace {
        @Override
        public int dimension() {
            return models.size();
        }

        @Override
        public List<String> geneNames() {
            return models.stream().map(m -> "weight[" + m + "]").toList();
        }

        @Override
        public Candidate decode(Genome genome) {
            Recipe.Builder b = Recipe.builder("linear");
            for (int i = 0; i < models.size(); i++) {
                b.model(models.get(i), Map.<String, ParameterValue>of("weight", new Scalar.Num(genome.gene(i))));
            }
            return Candidate.of(b.parameter("normalize", new Scalar.Bool(false)).build());
        }
    }

    /**
     * A (1+λ)-style strategy: each generation samples {@code population} genomes around the best told so far, from
     * a generator seeded by (seed, generation). Its asks depend on what it was told, so a replay that tells
     * different fitness values asks for different genomes: resume bugs show up as re-evaluations.
     */
    static final class SeededStrategy implements Strategy {
        private final long seed;
        private final int population;
        private final int generations;
        private final int dimension;
        private double[] center;
        private double bestFitness = Double.NEGATIVE_INFINITY;
        private int generation;
        private List<Genome> last = List.of();

        SeededStrategy(long seed, int population, int generations, int dimension) {
            this.seed = seed;
            this.population = population;
            this.generations = generations;
            this.dimension = dimension;
            this.center = new double[dimension];
            java.util.Arrays.fill(center, 0.5);
        }

        @Override
        public List<Genome> ask() {
            if (finished()) {
                return List.of();
            }
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + generation);
            List<Genome> out = new ArrayList<>();
            for (int i = 0; i < population; i++) {
                double[] g = new double[dimension];
                for (int d = 0; d < dimension; d++) {
                    g[d] = Math.clamp(center[d] + (r.nextDouble() - 0.5) * 0.4, 0, 1);
                }
                out.add(new Genome(g));
            }
            last = out;
            return out;
        }

        @Override
        public void tell(List<Genome> genomes, List<Fitness> results) {
            if (!genomes.equals(last)) {
                throw new IllegalStateException("told genomes that were not asked");
            }
            int best = java.util.stream.IntStream.range(0, genomes.size()).boxed()
                    .max(Comparator.comparingDouble(i -> results.get(i).scalar())).orElseThrow();
            if (results.get(best).scalar() > bestFitness) {
                bestFitness = results.get(best).scalar();
                center = genomes.get(best).genes();
            }
            generation++;
        }

        @Override
        public boolean finished() {
            return generation >= generations;
        }

        @Override
        public String name() {
            return "seeded";
        }
    }

    /** A strategy that asks fixed batches and ignores what it is told. */
    record FixedStrategy(List<List<Genome>> batches, int[] next) implements Strategy {
        FixedStrategy(List<List<Genome>> batches) {
            this(batches, new int[1]);
        }

        @Override
        public List<Genome> ask() {
            return finished() ? List.of() : batches.get(next[0]);
        }

        @Override
        public void tell(List<Genome> genomes, List<Fitness> results) {
            next[0]++;
        }

        @Override
        public boolean finished() {
            return next[0] >= batches.size();
        }

        @Override
        public String name() {
            return "fixed";
        }
    }

    /** Fitness peaked at (0.3, 0.7, ...): a smooth function of the genes alone. */
    static double peak(Genome g) {
        double s = 0;
        for (int i = 0; i < g.size(); i++) {
            double target = i % 2 == 0 ? 0.3 : 0.7;
            s -= (g.gene(i) - target) * (g.gene(i) - target);
        }
        return s;
    }

    /** An evaluator that computes {@link #peak} from the recipe's weights, counting calls. */
    static final class PeakEvaluator implements CandidateEvaluator {
        final List<Genome> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        private final long sleepMillis;

        PeakEvaluator(long sleepMillis) {
            this.sleepMillis = sleepMillis;
        }

        @Override
        public Evaluation evaluate(Candidate candidate, double pruneBelow) {
            double[] w = candidate.recipe().models().stream()
                    .mapToDouble(m -> m.parameters().get("weight") instanceof Scalar s ? s.asDouble() : 0).toArray();
            Genome g = new Genome(w);
            calls.add(g);
            if (sleepMillis > 0) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            double f = peak(g);
            return new Evaluation(CandidateStatus.EVALUATED, Map.of("peak", f), f, null, 0, sleepMillis / 1000.0);
        }

        @Override
        public void close() {
        }
    }
}
