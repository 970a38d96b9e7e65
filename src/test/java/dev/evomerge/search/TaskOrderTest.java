package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-task scores keep the suite's task order through the run's records, so what is written from them (journal,
 * finish.json, tables) is the same bytes on every run of the same seed.
 */
class TaskOrderTest {
    private static Map<String, Double> scores() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String t : List.of("zeta", "add", "rev", "mmlu", "sort", "next", "gsm8k", "b", "arc", "q")) {
            m.put(t, (double) m.size() / 10);
        }
        return m;
    }

    @Test
    void recordsKeepTheTaskOrder() {
        List<String> order = new ArrayList<>(scores().keySet());
        JournalEntry e = new JournalEntry(0, 0, "random", new Genome(new double[] {0.5}), null, null, scores(), 0.5,
                CandidateStatus.EVALUATED, null, 0, 0, 0);
        assertEquals(order, new ArrayList<>(e.scores().keySet()));
        assertEquals(order, new ArrayList<>(new Fitness(scores(), 0.5).tasks().keySet()));
        assertEquals(order, new ArrayList<>(new CandidateEvaluator.Evaluation(CandidateStatus.EVALUATED, scores(), 0.5,
                null, 0, 0).scores().keySet()));
    }
}
