package dev.evomerge.search.strategy;

import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Greedy soup (Wortsman et al. 2022, "Model soups", Recipe 1 / Algorithm 1): score every ingredient (source model)
 * alone, rank them by that score, start the soup with the best, then try the rest in rank order, keeping an ingredient
 * when the soup with it scores at least as well as the soup without it ({@code >=}, as the paper's algorithm). A soup
 * is the uniform average of its ingredients, expressed in the space as {@link Soups#genome}. The first batch is every
 * ingredient alone; each later batch is one trial soup. Ranking ties keep source order; a rejected ingredient ranks
 * last. Deterministic given the fitness values told, so a journal replay resumes it exactly.
 *
 * <p>Cost: {@code 2n - 1} evaluations for n ingredients (fewer when a trial soup equals an earlier genome, which the
 * loop answers from its journal); the budget, when smaller, ends it early.
 */
public final class GreedySoupStrategy implements Strategy {

    /**
     * A space's soups: the ingredient names (source models, in space order) and the genome of the uniform average of a
     * non-empty set of them (by index).
     */
    public record Soups(List<String> ingredients, Function<SortedSet<Integer>, Genome> genome) {
        public Soups {
            ingredients = List.copyOf(ingredients);
            Objects.requireNonNull(genome, "genome");
            if (ingredients.isEmpty()) {
                throw new IllegalArgumentException("a soup needs at least one ingredient");
            }
        }
    }

    private final Soups soups;
    private final Budget budget;
    private List<Genome> pending;
    private List<Integer> ranked;          // after the first tell: ingredients best first
    private final SortedSet<Integer> soup = new TreeSet<>();
    private double soupFitness = Double.NEGATIVE_INFINITY;
    private int next = 1;                  // position in ranked of the next ingredient to try
    private int trying = -1;

    /** Fails at once (before any source is scored) when the space cannot express a soup. */
    public GreedySoupStrategy(Soups soups, int budget) {
        this.soups = Objects.requireNonNull(soups, "soups");
        this.budget = new Budget(budget);
        soups.genome().apply(new TreeSet<>(soups.ingredients().size() > 1 ? List.of(0, 1) : List.of(0)));
    }

    @Override
    public List<Genome> ask() {
        if (pending != null) {
            return pending;
        }
        if (finished()) {
            return List.of();
        }
        List<Genome> batch = new ArrayList<>();
        if (ranked == null) {
            for (int i = 0; i < soups.ingredients().size(); i++) {
                batch.add(soups.genome().apply(new TreeSet<>(List.of(i))));
            }
        } else {
            trying = ranked.get(next);
            SortedSet<Integer> trial = new TreeSet<>(soup);
            trial.add(trying);
            batch.add(soups.genome().apply(trial));
        }
        pending = budget.take(batch);
        return pending;
    }

    @Override
    public void tell(List<Genome> genomes, List<Fitness> results) {
        Budget.checkTell(pending, genomes, results);
        pending = null;
        if (ranked == null) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingDouble((Integer i) -> -Budget.finite(results.get(i).scalar())));
            ranked = order.size() < soups.ingredients().size() ? List.of() : List.copyOf(order);
            if (!ranked.isEmpty()) {
                soup.add(ranked.getFirst());
                soupFitness = Budget.finite(results.get(ranked.getFirst()).scalar());
            }
            return;
        }
        if (!results.isEmpty()) {
            double f = Budget.finite(results.getFirst().scalar());
            if (f >= soupFitness) {
                soup.add(trying);
                soupFitness = f;
            }
        }
        next++;
    }

    @Override
    public boolean finished() {
        return pending == null && (budget.exhausted() || (ranked != null && next >= ranked.size()));
    }

    /** The ingredients in the soup so far (indices into {@link Soups#ingredients()}). */
    public SortedSet<Integer> soup() {
        return new TreeSet<>(soup);
    }

    @Override
    public String name() {
        return "greedy-soup";
    }
}
