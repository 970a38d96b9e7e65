package dev.evomerge.search.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Greedy soup (Wortsman et al. 2022, Algorithm 1) on a scripted evaluator, and the soups the zoo's spaces express. */
class GreedySoupStrategyTest {
    @TempDir
    Path dir;

    /** A soup's genome in the scripted space: gene i is 1 when ingredient i is in the soup. */
    static final GreedySoupStrategy.Soups SOUPS = new GreedySoupStrategy.Soups(List.of("a", "b", "c", "d"), m -> {
        double[] g = new double[4];
        m.forEach(i -> g[i] = 1);
        return new Genome(g);
    });

    /**
     * Alone: a 0.3, b 0.9, c 0.5, d 0.7, so the order is b, d, c, a. Soups: {b,d} 0.95 (kept: better), {b,c,d} 0.95
     * (kept: not worse, the paper's >=), {a,b,c,d} 0.6 (dropped).
     */
    static final Map<Set<Integer>, Double> SCRIPT = Map.of(
            Set.of(0), 0.3, Set.of(1), 0.9, Set.of(2), 0.5, Set.of(3), 0.7,
            Set.of(1, 3), 0.95, Set.of(1, 2, 3), 0.95, Set.of(0, 1, 2, 3), 0.6);

    static Fitness score(Genome g) {
        Set<Integer> members = new TreeSet<>();
        for (int i = 0; i < g.size(); i++) {
            if (g.gene(i) == 1) {
                members.add(i);
            }
        }
        Double f = SCRIPT.get(members);
        if (f == null) {
            throw new AssertionError("the rule never asks for the soup " + members);
        }
        return new Fitness(Map.of("t", f), f);
    }

    static List<List<Genome>> drive(Strategy s) {
        List<List<Genome>> asks = new ArrayList<>();
        while (!s.finished()) {
            List<Genome> batch = s.ask();
            asks.add(batch);
            s.tell(batch, batch.stream().map(GreedySoupStrategyTest::score).toList());
        }
        return asks;
    }

    static Genome soup(Integer... members) {
        return SOUPS.genome().apply(new TreeSet<>(List.of(members)));
    }

    @Test
    void followsThePapersRule() {
        GreedySoupStrategy s = (GreedySoupStrategy) Strategies.create("greedy-soup",
                StrategyConfig.defaults().withSoups(SOUPS), 4, 1);
        List<List<Genome>> asks = drive(s);
        assertEquals(List.of(List.of(soup(0), soup(1), soup(2), soup(3)), List.of(soup(1, 3)), List.of(soup(1, 2, 3)),
                List.of(soup(0, 1, 2, 3))), asks);
        assertEquals(new TreeSet<>(List.of(1, 2, 3)), s.soup());
        assertTrue(s.ask().isEmpty());
        assertEquals("greedy-soup", s.name());
        // A replay told the same answers asks the same (resume), and a budget ends it early.
        assertEquals(asks, drive(new GreedySoupStrategy(SOUPS, 0)));
        assertEquals(asks.subList(0, 2), drive(new GreedySoupStrategy(SOUPS, 5)));
    }

    @Test
    void aWorseSoupIsNotKeptAndRejectedIngredientsRankLast() {
        GreedySoupStrategy s = new GreedySoupStrategy(SOUPS, 0);
        List<Genome> singles = s.ask();
        s.tell(singles, List.of(new Fitness(Map.of(), Double.NEGATIVE_INFINITY), new Fitness(Map.of(), 0.5),
                new Fitness(Map.of(), 0.5), new Fitness(Map.of(), 0.1)));
        // Ties keep source order: b, then c, then d; a (rejected) last.
        assertEquals(List.of(soup(1, 2)), s.ask());
        s.tell(List.of(soup(1, 2)), List.of(new Fitness(Map.of(), 0.4999)));
        assertEquals(List.of(soup(1, 3)), s.ask());
        s.tell(List.of(soup(1, 3)), List.of(new Fitness(Map.of(), 0.6)));
        assertEquals(List.of(soup(0, 1, 3)), s.ask());
        s.tell(List.of(soup(0, 1, 3)), List.of(new Fitness(Map.of(), 0.7)));
        assertTrue(s.finished());
        assertEquals(new TreeSet<>(List.of(0, 1, 3)), s.soup());
    }

    @Test
    void zooSpacesExpressUniformSoups() throws Exception {
        MergeSpace ta = SearchSpaces.load(Path.of("search-spaces/zoo-task-arithmetic-global.yaml"));
        SortedSet<Integer> two = new TreeSet<>(List.of(0, 2));
        var models = ta.decode(ta.soup(two)).recipe().models();
        List<Double> weights = models.stream().map(m -> ((Scalar) m.parameters().get("weight")).asDouble()).toList();
        assertEquals(List.of(0.5, 0.0, 0.5, 0.0), weights, "task arithmetic: base + the mean task vector");
        MergeSpace perLayer = SearchSpaces.load(Path.of("search-spaces/zoo-task-arithmetic-per-layer.yaml"));
        perLayer.decode(perLayer.soup(new TreeSet<>(List.of(0, 1, 2, 3)))).recipe().slices().forEach(sl ->
                sl.sources().stream().filter(x -> x.parameters().containsKey("weight")).forEach(x ->
                        assertEquals(0.25, ((Scalar) x.parameters().get("weight")).asDouble(), 1e-15)));
        Path linear = Files.writeString(dir.resolve("linear.yaml"), Files.readString(
                Path.of("search-spaces/zoo-task-arithmetic-global.yaml")).replace("../models", Path.of("models")
                .toAbsolutePath().toString()).replace("task_arithmetic", "linear"));
        MergeSpace lin = SearchSpaces.load(linear);
        assertEquals(List.of(1.0, 0.0, 1.0, 0.0), lin.decode(lin.soup(two)).recipe().models().stream()
                .map(m -> ((Scalar) m.parameters().get("weight")).asDouble()).toList(), "linear normalizes");
        MergeSpace ties = SearchSpaces.load(Path.of("search-spaces/zoo-ties-per-layer.yaml"));
        UserError e = assertThrows(UserError.class, () -> ties.soup(two));
        assertTrue(e.getMessage().contains("greedy-soup") && e.getMessage().contains("zoo-ties-per-layer.yaml"),
                e.getMessage());
        assertThrows(UserError.class, () -> Strategies.create("greedy-soup", StrategyConfig.defaults(), 4, 1));
        UserError early = assertThrows(UserError.class, () -> Strategies.create("greedy-soup", StrategyConfig
                .defaults().withSoups(new GreedySoupStrategy.Soups(List.of("a", "b"), ties::soup)), 76, 1));
        assertTrue(early.getMessage().contains("greedy-soup"), "refused when created, before any scoring");
    }
}
