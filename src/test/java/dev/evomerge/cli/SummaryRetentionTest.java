package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The end-of-run table's retention row: the share of each specialist's held-out gain over the base a candidate keeps. */
class SummaryRetentionTest {
    private static final List<String> TASKS = List.of("add", "sort");
    private static final Objective WORST = new Objective(Map.of("add", 1.0, "sort", 1.0), false,
            Objective.Aggregate.MIN);

    private static Map<String, Map<String, Double>> references() {
        Map<String, Map<String, Double>> r = new LinkedHashMap<>();
        r.put(SearchSpaces.BASE, Map.of("add", 0.08, "sort", 0.02));
        r.put("add", Map.of("add", 1.0, "sort", 0.02));
        r.put("sort", Map.of("add", 0.18, "sort", 1.0));
        return r;
    }

    @Test
    void retentionIsTheShareOfTheSpecialistsGainKept() {
        // The README's demo candidate #30 of 2026-11-23: add 0.553, sort 0.533 held-out.
        Map<String, Double> kept = SearchCommands.heldOutRetention(WORST, references(),
                Map.of("add", 0.5533, "sort", 0.5333), TASKS);
        assertEquals((0.5533 - 0.08) / (1.0 - 0.08), kept.get("add"), 1e-12);
        assertEquals((0.5333 - 0.02) / (1.0 - 0.02), kept.get("sort"), 1e-12);
        assertEquals(List.of("add", "sort"), List.copyOf(kept.keySet()));
    }

    @Test
    void noRetentionWithoutABaseOrForScoresOutsideTheUnitInterval() {
        Map<String, Map<String, Double>> noBase = new LinkedHashMap<>(references());
        noBase.remove(SearchSpaces.BASE);
        assertTrue(SearchCommands.heldOutRetention(WORST, noBase, Map.of("add", 0.5, "sort", 0.5), TASKS).isEmpty());
        Map<String, Map<String, Double>> perplexity = new LinkedHashMap<>(references());
        perplexity.put("sort", Map.of("add", 0.18, "sort", -12.5));
        assertTrue(SearchCommands.heldOutRetention(WORST, perplexity, Map.of("add", 0.5, "sort", 0.5), TASKS)
                .isEmpty());
    }
}
