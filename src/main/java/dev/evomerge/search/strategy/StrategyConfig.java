package dev.evomerge.search.strategy;

import dev.evomerge.UserError;
import dev.evomerge.search.Genome;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of a search strategy; each strategy reads the ones it needs (see {@link Strategies#create}).
 *
 * @param population  batch size: CMA-ES lambda, GA/NSGA-II population, random and grid batch; 0 for the strategy's
 *                    default (CMA-ES 4 + floor(3 ln d), GA and NSGA-II 16, random and grid 8)
 * @param sigma       CMA-ES initial step size in genome units, in (0, 1]
 * @param budget      most evaluations to ask for in total; 0 for no limit (grid: until exhausted)
 * @param grid        grid: the values of each gene (genome units, in [0, 1]); empty for other strategies
 * @param initial     a genome to start from (CMA-ES mean, a GA/NSGA-II individual), or null
 * @param objectives  NSGA-II: task names in fitness-vector order; empty for other strategies
 * @param crossover   GA/NSGA-II crossover probability, in [0, 1]
 * @param mutation    GA/NSGA-II per-gene mutation probability, in [0, 1]
 * @param tournament  GA/NSGA-II tournament size, at least 2
 * @param soups       greedy soup: the space's uniform soups of its sources, or null for other strategies
 */
public record StrategyConfig(int population, double sigma, int budget, List<List<Double>> grid, Genome initial,
                             List<String> objectives, double crossover, double mutation, int tournament,
                             GreedySoupStrategy.Soups soups) {
    public StrategyConfig {
        if (population < 0 || population == 1) {
            throw new UserError("population must be at least 2 (or 0 for the default), but was " + population);
        }
        if (!(sigma > 0 && sigma <= 1)) {
            throw new UserError("sigma must be in (0, 1] (genes live in [0, 1]), but was " + sigma);
        }
        if (budget < 0) {
            throw new UserError("budget must be at least 0 (0: no limit), but was " + budget);
        }
        List<List<Double>> g = new ArrayList<>();
        for (int i = 0; i < (grid == null ? 0 : grid.size()); i++) {
            List<Double> axis = List.copyOf(grid.get(i));
            if (axis.isEmpty()) {
                throw new UserError("grid values of gene " + i + " must not be empty");
            }
            for (double v : axis) {
                if (!(v >= 0 && v <= 1)) {
                    throw new UserError("grid value of gene " + i + " must be in [0, 1], but was " + v);
                }
            }
            g.add(axis);
        }
        grid = List.copyOf(g);
        objectives = objectives == null ? List.of() : List.copyOf(objectives);
        if (!(crossover >= 0 && crossover <= 1)) {
            throw new UserError("crossover probability must be in [0, 1], but was " + crossover);
        }
        if (!(mutation >= 0 && mutation <= 1)) {
            throw new UserError("mutation probability must be in [0, 1], but was " + mutation);
        }
        if (tournament < 2) {
            throw new UserError("tournament size must be at least 2, but was " + tournament);
        }
    }

    /** Defaults: strategy-chosen population, sigma 0.2, no budget, crossover 0.7, mutation 0.1, tournament 3. */
    public static StrategyConfig defaults() {
        return new StrategyConfig(0, 0.2, 0, List.of(), null, List.of(), 0.7, 0.1, 3, null);
    }

    public StrategyConfig withPopulation(int value) {
        return new StrategyConfig(value, sigma, budget, grid, initial, objectives, crossover, mutation, tournament,
                soups);
    }

    public StrategyConfig withSigma(double value) {
        return new StrategyConfig(population, value, budget, grid, initial, objectives, crossover, mutation,
                tournament, soups);
    }

    public StrategyConfig withBudget(int value) {
        return new StrategyConfig(population, sigma, value, grid, initial, objectives, crossover, mutation,
                tournament, soups);
    }

    public StrategyConfig withGrid(List<List<Double>> value) {
        return new StrategyConfig(population, sigma, budget, value, initial, objectives, crossover, mutation,
                tournament, soups);
    }

    public StrategyConfig withInitial(Genome value) {
        return new StrategyConfig(population, sigma, budget, grid, value, objectives, crossover, mutation,
                tournament, soups);
    }

    public StrategyConfig withObjectives(List<String> value) {
        return new StrategyConfig(population, sigma, budget, grid, initial, value, crossover, mutation, tournament,
                soups);
    }

    public StrategyConfig withCrossover(double value) {
        return new StrategyConfig(population, sigma, budget, grid, initial, objectives, value, mutation, tournament,
                soups);
    }

    public StrategyConfig withMutation(double value) {
        return new StrategyConfig(population, sigma, budget, grid, initial, objectives, crossover, value, tournament,
                soups);
    }

    public StrategyConfig withTournament(int value) {
        return new StrategyConfig(population, sigma, budget, grid, initial, objectives, crossover, mutation, value,
                soups);
    }

    public StrategyConfig withSoups(GreedySoupStrategy.Soups value) {
        return new StrategyConfig(population, sigma, budget, grid, initial, objectives, crossover, mutation, tournament,
                value);
    }

    /** The population, or {@code fallback} when left to the strategy. */
    int populationOr(int fallback) {
        return population == 0 ? fallback : population;
    }
}
