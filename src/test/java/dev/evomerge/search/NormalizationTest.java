package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.evomerge.search.space.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A multi-objective strategy is told per-task retentions, not raw scores, when the objective normalizes. */
class NormalizationTest {
    static final class Recording implements Strategy {
        final List<Fitness> told = new ArrayList<>();
        final List<Genome> batch = List.of(new Genome(new double[] {0.5}), new Genome(new double[] {0.25}));

        @Override
        public List<Genome> ask() {
            return batch;
        }

        @Override
        public void tell(List<Genome> genomes, List<Fitness> results) {
            told.addAll(results);
        }

        @Override
        public boolean finished() {
            return false;
        }

        @Override
        public String name() {
            return "rec";
        }
    }

    @Test
    void nsga2IsToldRetentionAndRawObjectivesPassThrough() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("ppl", 1.0);
        w.put("acc", 1.0);
        Objective spec = new Objective(w, true, Objective.Aggregate.MEAN, Objective.Normalize.RETENTION, Map.of(),
                null);
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        sources.put("base", Map.of("ppl", -40.0, "acc", 0.25));
        sources.put("a", Map.of("ppl", -10.0, "acc", 0.75));
        Objective o = spec.withRetention(spec.retention(sources, "base", Set.of("ppl")));
        Recording r = new Recording();
        Strategy s = Normalization.told(r, o);
        assertEquals("rec", s.name());
        Fitness raw = new Fitness(Map.of("ppl", -20.0, "acc", 0.5, "other", 3.0), 0.5);
        Fitness rejected = new Fitness(Map.of(), Double.NEGATIVE_INFINITY);
        s.tell(r.batch, List.of(raw, rejected));
        assertEquals(0.5, r.told.get(0).tasks().get("ppl"), 1e-15);  // ln 2 / ln 4
        assertEquals(0.5, r.told.get(0).tasks().get("acc"), 1e-15);
        assertEquals(3.0, r.told.get(0).tasks().get("other"), 0, "tasks outside the objective unchanged");
        assertEquals(0.5, r.told.get(0).scalar(), 0);
        assertEquals(rejected, r.told.get(1));
        assertSame(r, Normalization.told(r, o.raw()));
    }
}
