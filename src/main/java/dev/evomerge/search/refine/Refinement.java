package dev.evomerge.search.refine;

import dev.evomerge.UserError;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import dev.evomerge.search.strategy.Strategies;
import dev.evomerge.search.strategy.StrategyConfig;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strategy names with gradient refinement: {@code refine} (from the space's start point, or the centre of the box;
 * every candidate but the start is a step) and {@code <strategy>+refine<N>} (the strategy with the budget less N, then
 * N steps from its best candidate), e.g. {@code cmaes+refine20}. Other names go to {@link Strategies#create}.
 */
public final class Refinement {
    private static final Pattern AFTER = Pattern.compile("([a-z0-9]+)\\+refine([1-9][0-9]{0,5})");

    private Refinement() {
    }

    /** Whether {@code name} asks for refinement (alone or after a strategy). */
    public static boolean refines(String name) {
        return name.equals("refine") || AFTER.matcher(name).matches();
    }

    /**
     * The strategy {@code name} over {@code dimension} genes; {@code oracle} gives the gradients of refinement steps
     * (consulted only once refinement starts).
     */
    public static Strategy create(String name, StrategyConfig config, int dimension, long seed,
                                  GradientOracle oracle) {
        if (!refines(name)) {
            return Strategies.create(name, config, dimension, seed);
        }
        Genome start = config.initial();
        if (start == null) {
            double[] centre = new double[dimension];
            Arrays.fill(centre, 0.5);
            start = new Genome(centre);
        }
        if (name.equals("refine")) {
            if (config.budget() < 1) {
                throw new UserError("refine needs a budget (the start point and then one candidate per step)");
            }
            return new RefineStrategy(name, null, start, config.budget() - 1, RefineStrategy.LEARNING_RATE, oracle);
        }
        Matcher m = AFTER.matcher(name);
        m.matches();
        String innerName = m.group(1);
        int steps = Integer.parseInt(m.group(2));
        if (Refinement.refines(innerName) || innerName.equals("grid")) {
            throw new UserError("strategy " + name + ": refinement follows cmaes, ga, nsga2 or random, not "
                    + innerName);
        }
        if (config.budget() - steps < 1) {
            throw new UserError("strategy " + name + " takes " + steps + " refinement steps out of the budget, but"
                    + " the budget is " + config.budget() + ": raise the budget above " + steps);
        }
        Strategy inner = Strategies.create(innerName, config.withBudget(config.budget() - steps), dimension, seed);
        return new RefineStrategy(name, inner, start, steps, RefineStrategy.LEARNING_RATE, oracle);
    }
}
