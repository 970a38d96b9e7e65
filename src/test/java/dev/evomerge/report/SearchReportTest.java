package dev.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Genome;
import dev.evomerge.search.JournalEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchReportTest {
    private static JournalEntry entry(int i, CandidateStatus status, double a, double b, double c) {
        return new JournalEntry(i, 0, "nsga2", new Genome(new double[] {i / 10.0}), null, null,
                Map.of("a", a, "b", b, "c", c), (a + b + c) / 3, status, null, 0, 0, 0);
    }

    @Test
    void paretoPlotShowsTheTwoTasksThatTradeOffMost() {
        // a and c move against each other (r = -1); a and b, b and c are uncorrelated or positive.
        List<JournalEntry> entries = List.of(entry(0, CandidateStatus.EVALUATED, 0.1, 0.5, 0.9),
                entry(1, CandidateStatus.EVALUATED, 0.5, 0.9, 0.5), entry(2, CandidateStatus.PRUNED, 1, 1, 1),
                entry(3, CandidateStatus.EVALUATED, 0.9, 0.5, 0.1));
        ReportData.ParetoPoints p = SearchReport.paretoPoints(entries, List.of("a", "b", "c"));
        assertEquals("a", p.xName());
        assertEquals("c", p.yName());
        assertEquals(List.of("#0", "#1", "#3"), p.labels(), "pruned candidates have partial scores: left out");
        assertArrayEquals(new double[] {0.1, 0.9}, p.points().get(0));
        assertArrayEquals(new double[] {0.9, 0.1}, p.points().get(2));
        assertEquals(-1.0, SearchReport.correlation(new double[] {0.1, 0.5, 0.9}, new double[] {0.9, 0.5, 0.1}),
                1e-12);
        assertEquals(0.0, SearchReport.correlation(new double[] {1, 2, 3}, new double[] {4, 4, 4}));
        assertNull(SearchReport.paretoPoints(entries, List.of("a")), "one task: no plane to draw");
    }
}
