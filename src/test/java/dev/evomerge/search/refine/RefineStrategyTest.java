package dev.evomerge.search.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Strategy;
import dev.evomerge.search.strategy.StrategyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RefineStrategyTest {
    /** loss = sum (g - target)^2; fitness = -loss. */
    private static final double[] TARGET = {0.8, 0.1};

    private static GradientOracle.Gradient quadratic(Genome g) {
        double loss = 0;
        double[] grad = new double[g.size()];
        for (int i = 0; i < g.size(); i++) {
            double d = g.gene(i) - TARGET[i];
            loss += d * d;
            grad[i] = 2 * d;
        }
        return new GradientOracle.Gradient(loss, grad);
    }

    private static List<Genome> drive(Strategy s) {
        List<Genome> all = new ArrayList<>();
        while (!s.finished()) {
            List<Genome> asked = s.ask();
            if (asked.isEmpty()) {
                break;
            }
            all.addAll(asked);
            s.tell(asked, asked.stream().map(g -> new Fitness(Map.of(), -quadratic(g).loss())).toList());
        }
        return all;
    }

    @Test
    void aloneAsksTheStartThenDescends() {
        Strategy s = Refinement.create("refine", StrategyConfig.defaults().withBudget(40), 2, 1,
                RefineStrategyTest::quadratic);
        List<Genome> asked = drive(s);
        assertEquals(40, asked.size());
        assertEquals(new Genome(new double[] {0.5, 0.5}), asked.getFirst());
        assertTrue(quadratic(asked.getLast()).loss() < 0.1 * quadratic(asked.getFirst()).loss(),
                "refinement should approach " + List.of(TARGET[0], TARGET[1]) + ", ended at " + asked.getLast());
    }

    @Test
    void afterAStrategyStartsFromItsBest() {
        List<Genome> seen = new ArrayList<>();
        GradientOracle recording = g -> {
            seen.add(g);
            return quadratic(g);
        };
        Strategy s = Refinement.create("random+refine3", StrategyConfig.defaults().withBudget(11).withPopulation(4), 2,
                5, recording);
        List<Genome> asked = drive(s);
        assertEquals(11, asked.size(), "8 random candidates, then 3 steps");
        Genome best = asked.subList(0, 8).stream()
                .max(java.util.Comparator.comparingDouble(g -> -quadratic(g).loss())).orElseThrow();
        assertEquals(best, seen.getFirst(), "the first gradient is taken at the random search's best");
        assertEquals(asked.subList(8, 10), seen.subList(1, 3));
    }

    @Test
    void refusesABudgetWithoutRoomForTheInnerStrategy() {
        Executable e = () -> Refinement.create("cmaes+refine20", StrategyConfig.defaults().withBudget(20), 2, 1,
                RefineStrategyTest::quadratic);
        UserError err = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, e);
        assertTrue(err.getMessage().contains("raise the budget above 20"), err.getMessage());
    }
}
