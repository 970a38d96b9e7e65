package dev.evomerge.report;

import static dev.evomerge.report.PlotsTest.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.JournalEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class RunReportTest {
    private static final String EVIL = "x<y>&z|*_`[1]";

    private static ReportData minimal(List<JournalEntry> journal, ReportData.Sweep sweep,
            ReportData.ParetoPoints pareto) {
        return new ReportData("run-1", "cmaes", 10, Map.of(), new ReportData.Timings(75, 5), List.of("t"), journal,
                3, Map.of(), List.of(), sweep, pareto);
    }

    @Test
    void topRanksEvaluatedEntriesByFitnessThenIndex() {
        List<JournalEntry> j = List.of(
                entry("cmaes", 0, 0.5, CandidateStatus.EVALUATED),
                entry("cmaes", 1, 0.9, CandidateStatus.PRUNED),
                entry("cmaes", 2, 0.0, CandidateStatus.REJECTED),
                entry("cmaes", 3, 0.7, CandidateStatus.EVALUATED),
                entry("cmaes", 4, 0.5, CandidateStatus.EVALUATED),
                entry("cmaes", 5, 0.6, CandidateStatus.EVALUATED));
        assertEquals(List.of(3, 5, 0, 4), RunReport.top(j, 10).stream().map(JournalEntry::index).toList());
        assertEquals(List.of(3, 5), RunReport.top(j, 2).stream().map(JournalEntry::index).toList());
        assertEquals(List.of(), RunReport.top(j, 0));
    }

    @Test
    void writesPlotsThenSummariesAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("results").resolve("run-1");
        List<Path> files = RunReport.write(run, ReportDemo.data());
        assertEquals(List.of("best-so-far.svg", "task-scores.svg", "sweep.svg", "pareto.svg", "report.md",
                "report.html"), files.stream().map(p -> p.getFileName().toString()).toList());
        try (Stream<Path> all = Files.list(run)) {
            assertEquals(6, all.count(), "only the report files, no temporaries");
        }
        String md = Files.readString(run.resolve(RunReport.MARKDOWN));
        Matcher links = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
        int linked = 0;
        while (links.find()) {
            assertTrue(Files.exists(run.resolve(links.group(1))), links.group(1));
            linked++;
        }
        assertEquals(4, linked);
        assertTrue(md.contains("| evaluations | 36 of 36 ("), md);
        assertTrue(md.contains("| candidate-3 | #"), md);
        assertTrue(md.contains("| rejected | #2 capitals &gt;= zoo/base - 0.02 | -0.0310 |"), md);
        assertTrue(md.contains("```yaml\nmerge_method: ties\n"), md);

        Document html = XmlCheck.parse(Files.readString(run.resolve(RunReport.HTML)));
        assertEquals(4, XmlCheck.elements(html, "svg").size(), "every plot is inlined");
        assertEquals(List.of("accepted", "accepted"), XmlCheck.texts(html, "td", "accepted"));
        assertEquals(List.of("rejected"), XmlCheck.texts(html, "td", "rejected"));
        assertEquals(0, XmlCheck.elements(html, "img").size(), "self-contained: no external images");

        // A second write (a resumed run finishing again) replaces the files in place.
        RunReport.write(run, minimal(List.of(entry("cmaes", 0, 0.4, CandidateStatus.EVALUATED)), null, null));
        assertFalse(Files.readString(run.resolve(RunReport.MARKDOWN)).contains("candidate-3"));
    }

    @Test
    void optionalPlotsAreLeftOutWhenThereIsNothingToDraw(@TempDir Path dir) throws IOException {
        List<Path> files = RunReport.write(dir, minimal(List.of(), null, null));
        assertEquals(List.of("best-so-far.svg", "report.md", "report.html"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        String md = Files.readString(dir.resolve(RunReport.MARKDOWN));
        assertFalse(md.contains("sweep.svg") || md.contains("pareto.svg") || md.contains("task-scores.svg"), md);
        assertTrue(md.contains("| best search fitness | none |"), md);
        assertTrue(md.contains("| evaluations | 0 of 10 (0 evaluated, 0 pruned, 0 rejected) |"), md);
        assertTrue(md.contains("| search time | 1m 15s |"), md);
        XmlCheck.parse(Files.readString(dir.resolve(RunReport.HTML)));
    }

    /** With a base among the sources, the report plots each shown candidate's held-out retention per task. */
    @Test
    void retentionPerTaskAgainstTheBestSource(@TempDir Path dir) throws IOException {
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        sources.put("base", Map.of("x", 0.2, "y", 0.0));
        sources.put("a", Map.of("x", 0.6, "y", 0.0));
        sources.put("b", Map.of("x", 0.4, "y", 0.0));
        ReportData data = new ReportData("r", "cmaes", 4, Map.of(), new ReportData.Timings(1, 1), List.of("x", "y"),
                List.of(entry("cmaes", 0, 0.5, CandidateStatus.EVALUATED)), 1, sources,
                List.of(new ReportData.FinishResult("#0", 0, Map.of("x", 0.5, "y", 0.1), 0.5, true, null, 0.1, null)),
                null, null);
        // x: (0.5 - 0.2) / (0.6 - 0.2), a being the best source; y: no source gains over the base, 1 + (0.1 - 0).
        Map<String, Map<String, Double>> r = RunReport.retention(data);
        assertEquals(0.75, r.get("#0 (accepted)").get("x"), 1e-15);
        assertEquals(1.1, r.get("#0 (accepted)").get("y"), 1e-15);
        RunReport.write(dir, data);
        String svg = Files.readString(dir.resolve(RunReport.RETENTION));
        XmlCheck.parse(svg);
        assertTrue(svg.contains("#0 (accepted) on x: 0.750"), svg);
        assertTrue(Files.readString(dir.resolve(RunReport.MARKDOWN)).contains("(" + RunReport.RETENTION + ")"));
    }

    @Test
    void namesWithMarkupAreEscapedInMarkdownAndHtml(@TempDir Path dir) throws IOException {
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        sources.put(EVIL, Map.of(EVIL, 0.5));
        ReportData data = new ReportData(EVIL, EVIL, 4, Map.of(EVIL, EVIL), new ReportData.Timings(1, 1),
                List.of(EVIL), List.of(entry(EVIL, 0, 0.5, CandidateStatus.EVALUATED)), 1, sources,
                List.of(new ReportData.FinishResult(EVIL, 0, Map.of(EVIL, 0.4), 0.4, false, EVIL, -0.1, null)),
                new ReportData.Sweep(EVIL, List.of(1.0), EVIL, List.of(2.0), new double[][]{{0.5}}),
                new ReportData.ParetoPoints(EVIL, EVIL, List.of(new double[]{1, 2}), List.of(EVIL)));
        RunReport.write(dir, data);
        String md = Files.readString(dir.resolve(RunReport.MARKDOWN));
        String escaped = "x&lt;y&gt;&amp;z\\|\\*\\_\\`\\[1\\]";
        assertEquals("# Run " + escaped, md.lines().findFirst().orElseThrow());
        assertFalse(md.contains("<y>"), md);
        assertTrue(md.contains("| " + escaped + " | " + escaped + " |"), md);
        Document html = XmlCheck.parse(Files.readString(dir.resolve(RunReport.HTML)));
        assertEquals("Run " + EVIL, XmlCheck.elements(html, "h1").getFirst().getTextContent());
        assertTrue(XmlCheck.elements(html, "th").stream().anyMatch(t -> t.getTextContent().equals(EVIL)));
        for (String svg : List.of(RunReport.BEST_SO_FAR, RunReport.TASK_SCORES, RunReport.SWEEP, RunReport.PARETO)) {
            XmlCheck.parse(Files.readString(dir.resolve(svg)));
        }
    }

    @Test
    void sweepFromScatteredPointsFillsGapsWithNaNAndKeepsTheBestOfRepeats() {
        ReportData.Sweep s = ReportData.Sweep.of("lambda", "density", List.of(
                new double[]{1.0, 0.5, 0.2}, new double[]{0.5, 0.5, 0.3}, new double[]{0.5, 0.1, 0.4},
                new double[]{1.0, 0.5, 0.6}, new double[]{1.0, 0.5, 0.1}));
        assertEquals(List.of(0.5, 1.0), s.xs());
        assertEquals(List.of(0.1, 0.5), s.ys());
        double[][] v = s.values();
        assertEquals(0.4, v[0][0]);
        assertTrue(Double.isNaN(v[0][1]));
        assertEquals(0.3, v[1][0]);
        assertEquals(0.6, v[1][1]);
        assertThrows(IllegalArgumentException.class,
                () -> ReportData.Sweep.of("x", "y", List.of(new double[]{Double.NaN, 1, 1})));
    }

    @Test
    void markdownEscapingKeepsTableCellsOnOneLine() {
        assertEquals("a\\|b c &lt;i&gt;", RunReport.md("a|b\nc <i>"));
        assertEquals("#2 score &gt;= 0.5!", RunReport.md("#2 score >= 0.5!"));
    }

    @Test
    void durationsReadNaturally() {
        assertEquals("0.25s", RunReport.duration(0.25));
        assertEquals("42.0s", RunReport.duration(42));
        assertEquals("1m 05s", RunReport.duration(65));
        assertEquals("2h 03m", RunReport.duration(2 * 3600 + 3 * 60 + 10));
    }

    @Test
    void valuesAreValidatedWithClearMessages() {
        assertEquals("rejected candidate c needs its failing gate",
                assertThrows(IllegalArgumentException.class, () -> new ReportData.FinishResult("c", 0, Map.of(), 0,
                        false, null, -1, null)).getMessage());
        assertEquals("accepted candidate c cannot have a failing gate",
                assertThrows(IllegalArgumentException.class, () -> new ReportData.FinishResult("c", 0, Map.of(), 0,
                        true, "g", 1, "ckpt")).getMessage());
        assertEquals("sweep row 0 needs one value per lambda value (2), but has 1",
                assertThrows(IllegalArgumentException.class, () -> new ReportData.Sweep("lambda", List.of(1.0, 2.0),
                        "density", List.of(0.5), new double[][]{{1}})).getMessage());
        assertEquals("budget must be >= 0, but was -1",
                assertThrows(IllegalArgumentException.class, () -> new ReportData("r", "s", -1, null,
                        new ReportData.Timings(0, 0), List.of(), List.of(), 0, null, null, null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReportData.ParetoPoints("a", "b",
                List.of(new double[]{1, 2}), List.of()));
        double[][] v = {{1}};
        ReportData.Sweep s = new ReportData.Sweep("x", List.of(1.0), "y", List.of(1.0), v);
        v[0][0] = 7;
        assertEquals(1, s.values()[0][0], "the sweep copies its grid in");
    }
}
