package dev.evomerge.search.strategy;

import dev.evomerge.UserError;
import dev.evomerge.search.Strategy;
import java.util.List;

/** Creates strategies by name: {@value #NAMES} (gradient refinement is made by search.refine.Refinement). */
public final class Strategies {
    public static final String NAMES = "cmaes, ga, nsga2, grid, random, greedy-soup, refine, <strategy>+refine<N>";

    private Strategies() {
    }

    public static List<String> names() {
        return List.of("cmaes", "ga", "nsga2", "grid", "random", "greedy-soup");
    }

    /**
     * A strategy over genomes of {@code dimension} genes, seeded with {@code seed}. Settings a strategy needs but the
     * config lacks (grid values for {@code grid}, two or more objectives for {@code nsga2}, the space's soups for
     * {@code greedy-soup}) are one-line UserErrors.
     */
    public static Strategy create(String name, StrategyConfig config, int dimension, long seed) {
        if (dimension < 1) {
            throw new UserError("the search space has no genes; nothing to search");
        }
        if (config.initial() != null && config.initial().size() != dimension) {
            throw new UserError("the initial genome has " + config.initial().size() + " genes but the space has "
                    + dimension);
        }
        return switch (name) {
            case "cmaes" -> new CmaesStrategy(dimension, config.populationOr(CmaesStrategy.defaultLambda(dimension)),
                    config.sigma(), config.budget(), config.initial(), seed);
            case "ga" -> new GaStrategy(dimension, config.populationOr(16), config.tournament(), config.crossover(),
                    config.mutation(), config.budget(), config.initial(), seed);
            case "nsga2" -> {
                if (config.objectives().size() < 2) {
                    throw new UserError("nsga2 needs at least two objectives (tasks), but the search has "
                            + config.objectives().size() + "; use cmaes or ga for one objective");
                }
                yield new Nsga2Strategy(dimension, config.objectives(), config.populationOr(16), config.tournament(),
                        config.crossover(), config.mutation(), config.budget(), config.initial(), seed);
            }
            case "grid" -> {
                if (config.grid().size() != dimension) {
                    throw new UserError("grid needs values for each of the " + dimension + " genes, but got "
                            + config.grid().size());
                }
                yield new GridStrategy(config.grid(), config.populationOr(8), config.budget());
            }
            case "random" -> new RandomStrategy(dimension, config.populationOr(8), config.budget(), seed);
            case "greedy-soup" -> {
                if (config.soups() == null) {
                    throw new UserError("greedy-soup needs the search space's soups (a linear or task_arithmetic"
                            + " space with a per-model weight)");
                }
                yield new GreedySoupStrategy(config.soups(), config.budget());
            }
            default -> throw new UserError("unknown strategy '" + name + "'; known strategies: " + NAMES);
        };
    }
}
