package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** leaderboard.md byte for byte: its table is written through io.Markdown, which must not change a byte. */
class LeaderboardMarkdownTest {
    private static JournalEntry entry(int i, CandidateStatus status, Double a, Double b, double fitness,
                                      String path) {
        Map<String, Double> scores = new LinkedHashMap<>();
        if (a != null) {
            scores.put("a", a);
        }
        if (b != null) {
            scores.put("b|c", b);
        }
        return new JournalEntry(i, 0, "cmaes", new Genome(new double[] {0.5}), null, path, scores, fitness, status,
                null, 0, 0, 0);
    }

    @Test
    void tableAsBefore() {
        List<JournalEntry> entries = List.of(entry(0, CandidateStatus.EVALUATED, 0.25, 0.5, 0.375, "0-1|1-2"),
                entry(1, CandidateStatus.PRUNED, 0.125, null, 0.125, null),
                entry(2, CandidateStatus.EVALUATED, 1.0, 0.75, 0.875, null));
        assertEquals("""
                # Leaderboard: run-1

                3 candidates: 2 evaluated, 1 pruned early, 0 rejected before inference. Scores are on the search \
                slice (higher is better).

                | rank | # | fitness | a | b|c | recipe |
                |---:|---:|---:|---:|---:|---|
                | 1 | 2 | 0.8750 | 1.0000 | 0.7500 | `` |
                | 2 | 0 | 0.3750 | 0.2500 | 0.5000 | `path 0-1\\|1-2` |
                """, RunOutputs.markdown("run-1", entries, 2));
    }
}
