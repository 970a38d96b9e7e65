package dev.evomerge.report;

import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Markdown;
import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a run's report into its directory: the plots as SVG files, {@code report.md} linking them, and a
 * self-contained {@code report.html} with the same content and the plots inlined. Call it once at the end of a run
 * (and again after a resumed run finishes: files are replaced). Each file appears under its final name only when
 * complete, and the summaries are written after the plots they link.
 */
public final class RunReport {
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";
    public static final String BEST_SO_FAR = "best-so-far.svg";
    public static final String TASK_SCORES = "task-scores.svg";
    public static final String SWEEP = "sweep.svg";
    public static final String PARETO = "pareto.svg";
    public static final String RETENTION = "task-retention.svg";

    /** How many finished candidates the per-task bar chart shows next to the sources, to keep bars readable. */
    static final int MAX_BAR_CANDIDATES = 3;

    private RunReport() {
    }

    /**
     * Writes the report files into {@code runDir} (created if missing).
     *
     * @return the files written, summaries last
     */
    public static List<Path> write(Path runDir, ReportData data) throws IOException {
        Files.createDirectories(runDir);
        Map<String, String> plots = plots(data);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> p : plots.entrySet()) {
            written.add(writeAtomically(runDir.resolve(p.getKey()), p.getValue()));
        }
        written.add(writeAtomically(runDir.resolve(MARKDOWN), markdown(data, plots.keySet())));
        written.add(writeAtomically(runDir.resolve(HTML), html(data, plots)));
        return written;
    }

    /**
     * The best evaluated entries: highest fitness first, earlier index first among ties. Pruned entries are left out
     * (their fitness is on the staged subset, not comparable), and so are rejected ones.
     */
    public static List<JournalEntry> top(List<JournalEntry> journal, int k) {
        return journal.stream()
                .filter(e -> e.status().equals(CandidateStatus.EVALUATED) && Double.isFinite(e.fitness()))
                .sorted(Comparator.comparingDouble(JournalEntry::fitness).reversed()
                        .thenComparingInt(JournalEntry::index))
                .limit(k)
                .toList();
    }

    /** File name to SVG text, in the order the summaries show them. */
    static Map<String, String> plots(ReportData data) {
        Map<String, String> plots = new LinkedHashMap<>();
        plots.put(BEST_SO_FAR, Plots.bestSoFar(byStrategy(data.journal())));
        Map<String, Map<String, Double>> bars = barScores(data);
        if (!bars.isEmpty() && !data.tasks().isEmpty()) {
            plots.put(TASK_SCORES, Plots.taskBars(bars, data.tasks()));
        }
        Map<String, Map<String, Double>> retention = retention(data);
        if (!retention.isEmpty()) {
            plots.put(RETENTION, Plots.retentionBars(retention, data.tasks()));
        }
        if (data.sweep() != null) {
            ReportData.Sweep s = data.sweep();
            plots.put(SWEEP, Plots.heatmap(s.xName(), s.xs(), s.yName(), s.ys(), s.values()));
        }
        if (data.pareto() != null) {
            ReportData.ParetoPoints p = data.pareto();
            plots.put(PARETO, Plots.pareto(p.points(), p.labels(), p.xName(), p.yName(), Plots.paretoFront(p.points())));
        }
        return plots;
    }

    /** Journal entries grouped by strategy, strategies in order of first appearance. */
    static Map<String, List<JournalEntry>> byStrategy(List<JournalEntry> journal) {
        Map<String, List<JournalEntry>> runs = new LinkedHashMap<>();
        for (JournalEntry e : journal) {
            runs.computeIfAbsent(e.strategy(), k -> new ArrayList<>()).add(e);
        }
        return runs;
    }

    /**
     * Held-out retention of the shown candidates per task, as {@code normalize: retention} defines it (docs/search.md):
     * the fraction of the best source's held-out gain over the base kept. Empty without a base or another source.
     */
    static Map<String, Map<String, Double>> retention(ReportData data) {
        Map<String, Double> base = data.sourceScores().get(SearchSpaces.BASE);
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        if (base == null || data.sourceScores().size() < 2 || data.finish().isEmpty()) {
            return out;
        }
        Map<String, Objective.Retention.Task> constants = new LinkedHashMap<>();
        for (String t : data.tasks()) {
            String ref = null;
            for (var e : data.sourceScores().entrySet()) {
                Double v = e.getValue().get(t);
                if (!e.getKey().equals(SearchSpaces.BASE) && v != null
                        && (ref == null || v > data.sourceScores().get(ref).get(t))) {
                    ref = e.getKey();
                }
            }
            if (ref == null || base.get(t) == null) {
                return out;
            }
            constants.put(t, new Objective.Retention.Task(ref, base.get(t), data.sourceScores().get(ref).get(t),
                    false));
        }
        Objective.Retention r = new Objective.Retention(constants);
        data.finish().stream().limit(MAX_BAR_CANDIDATES).forEach(f -> {
            Map<String, Double> m = new LinkedHashMap<>();
            data.tasks().forEach(t -> {
                if (f.heldOut().get(t) != null) {
                    m.put(t, r.of(t, f.heldOut().get(t)));
                }
            });
            out.put(f.name() + (f.accepted() ? " (accepted)" : " (rejected)"), m);
        });
        return out;
    }

    private static Map<String, Map<String, Double>> barScores(ReportData data) {
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>(data.sourceScores());
        data.finish().stream().limit(MAX_BAR_CANDIDATES).forEach(f ->
                bars.put(f.name() + (f.accepted() ? " (accepted)" : " (rejected)"), f.heldOut()));
        return bars;
    }

    // ---------------------------------------------------------------- summary facts shared by both renderings

    private record Fact(String name, String value) {
    }

    private static List<Fact> facts(ReportData data) {
        List<JournalEntry> mine = data.journal().stream().filter(e -> e.strategy().equals(data.strategy())).toList();
        List<JournalEntry> counted = mine.isEmpty() ? data.journal() : mine;
        long evaluated = count(counted, CandidateStatus.EVALUATED);
        long pruned = count(counted, CandidateStatus.PRUNED);
        long rejected = count(counted, CandidateStatus.REJECTED);
        double merge = counted.stream().mapToDouble(JournalEntry::mergeSeconds).sum();
        double eval = counted.stream().mapToDouble(JournalEntry::evalSeconds).sum();
        List<Fact> facts = new ArrayList<>();
        facts.add(new Fact("strategy", data.strategy()));
        facts.add(new Fact("evaluations", counted.size() + " of " + data.budget() + " (" + evaluated + " evaluated, "
                + pruned + " pruned, " + rejected + " rejected)"));
        List<JournalEntry> best = top(counted, 1);
        facts.add(new Fact("best search fitness", best.isEmpty() ? "none"
                : Plots.fmt(best.getFirst().fitness(), 4) + " (#" + best.getFirst().index() + ")"));
        if (!data.finish().isEmpty()) {
            long accepted = data.finish().stream().filter(ReportData.FinishResult::accepted).count();
            facts.add(new Fact("gated", accepted + " of " + data.finish().size() + " accepted"));
        }
        facts.add(new Fact("search time", duration(data.timings().searchSeconds())
                + (counted.isEmpty() ? "" : " (per candidate: merge " + seconds(merge / counted.size())
                + ", eval " + seconds(eval / counted.size()) + ")")));
        facts.add(new Fact("finish time", duration(data.timings().finishSeconds())));
        data.settings().forEach((k, v) -> facts.add(new Fact(k, v)));
        return facts;
    }

    private static long count(List<JournalEntry> entries, CandidateStatus status) {
        return entries.stream().filter(e -> e.status() == status).count();
    }

    /** Table rows as plain strings (each rendering escapes them); columns from {@code firstNumeric} on hold numbers. */
    private record Table(List<String> header, List<List<String>> rows, int firstNumeric) {
    }

    private static Table finishTable(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (ReportData.FinishResult f : data.finish()) {
            rows.add(List.of(f.name(), "#" + f.journalIndex(), Plots.fmt(f.combined(), 4),
                    f.accepted() ? "accepted" : "rejected", f.accepted() ? "" : f.failingGate(),
                    Double.isNaN(f.margin()) ? "n/a" : String.format(Locale.ROOT, "%+.4f", f.margin()),
                    f.checkpoint() == null ? "" : f.checkpoint()));
        }
        return new Table(List.of("candidate", "journal", "held-out combined", "verdict", "failing gate", "margin",
                "checkpoint"), rows, Integer.MAX_VALUE);
    }

    private static Table topTable(ReportData data) {
        List<String> header = new ArrayList<>(List.of("rank", "journal", "gen", "strategy", "fitness"));
        header.addAll(data.tasks());
        List<List<String>> rows = new ArrayList<>();
        int rank = 1;
        for (JournalEntry e : top(data.journal(), data.topK())) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(rank++), "#" + e.index(),
                    Integer.toString(e.generation()), e.strategy(), Plots.fmt(e.fitness(), 4)));
            for (String t : data.tasks()) {
                Double v = e.scores().get(t);
                row.add(v == null ? "" : Plots.fmt(v, 3));
            }
            rows.add(row);
        }
        return new Table(header, rows, 4);
    }

    private static Table heldOutTable(ReportData data) {
        List<String> header = new ArrayList<>(List.of("model"));
        header.addAll(data.tasks());
        List<List<String>> rows = new ArrayList<>();
        Map<String, Map<String, Double>> all = new LinkedHashMap<>(data.sourceScores());
        data.finish().forEach(f -> all.put(f.name(), f.heldOut()));
        all.forEach((model, scores) -> {
            List<String> row = new ArrayList<>(List.of(model));
            for (String t : data.tasks()) {
                Double v = scores.get(t);
                row.add(v == null ? "" : Plots.fmt(v, 3));
            }
            rows.add(row);
        });
        return new Table(header, rows, 1);
    }

    private static String bestRecipe(ReportData data) {
        List<JournalEntry> best = top(data.journal().stream()
                .filter(e -> e.strategy().equals(data.strategy())).toList(), 1);
        if (best.isEmpty()) {
            best = top(data.journal(), 1);
        }
        if (best.isEmpty()) {
            return null;
        }
        JournalEntry e = best.getFirst();
        StringBuilder sb = new StringBuilder();
        if (e.recipeYaml() != null) {
            sb.append(e.recipeYaml().strip()).append('\n');
        }
        if (e.layerPath() != null) {
            sb.append("# layer path: ").append(e.layerPath().strip().replace("\n", "\n# ")).append('\n');
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private static final Map<String, String> PLOT_CAPTIONS = Map.of(
            BEST_SO_FAR, "Search progress",
            TASK_SCORES, "Held-out scores: sources vs candidates",
            RETENTION, "Held-out retention per task",
            SWEEP, "Sweep",
            PARETO, "Pareto front");

    // ---------------------------------------------------------------- Markdown

    static String markdown(ReportData data, Set<String> plotFiles) {
        StringBuilder md = new StringBuilder();
        md.append("# Run ").append(md(data.runId())).append("\n\n");
        md.append("| | |\n|---|---|\n");
        for (Fact f : facts(data)) {
            Markdown.row(md, List.of(md(f.name()), md(f.value())));
        }
        if (!data.finish().isEmpty()) {
            md.append("\n## Gated candidates (held-out slice)\n\n");
            mdTable(md, finishTable(data));
        }
        md.append("\n## ").append(PLOT_CAPTIONS.get(BEST_SO_FAR)).append("\n\n");
        md.append("![best fitness vs evaluations](").append(BEST_SO_FAR).append(")\n");
        if (data.topK() > 0) {
            md.append("\n## Top ").append(data.topK()).append(" on the search slice\n\n");
            mdTable(md, topTable(data));
        }
        if (!data.sourceScores().isEmpty() || !data.finish().isEmpty()) {
            md.append("\n## ").append(PLOT_CAPTIONS.get(TASK_SCORES)).append("\n\n");
            mdTable(md, heldOutTable(data));
            if (plotFiles.contains(TASK_SCORES)) {
                md.append("\n![per-task scores](").append(TASK_SCORES).append(")\n");
            }
        }
        if (plotFiles.contains(RETENTION)) {
            md.append("\n## ").append(PLOT_CAPTIONS.get(RETENTION)).append("\n\n![per-task retention](")
                    .append(RETENTION).append(")\n");
        }
        if (plotFiles.contains(SWEEP)) {
            md.append("\n## ").append(PLOT_CAPTIONS.get(SWEEP)).append("\n\n![sweep heatmap](").append(SWEEP)
                    .append(")\n");
        }
        if (plotFiles.contains(PARETO)) {
            md.append("\n## ").append(PLOT_CAPTIONS.get(PARETO)).append("\n\n![pareto front](").append(PARETO)
                    .append(")\n");
        }
        String recipe = bestRecipe(data);
        if (recipe != null) {
            String fence = recipe.contains("```") ? "~~~~" : "```";
            md.append("\n## Best recipe\n\n").append(fence).append("yaml\n").append(recipe).append(fence)
                    .append('\n');
        }
        return md.toString();
    }

    private static void mdTable(StringBuilder md, Table t) {
        Markdown.row(md, t.header().stream().map(RunReport::md).toList());
        Markdown.rule(md, Collections.nCopies(t.header().size(), false));
        for (List<String> row : t.rows()) {
            Markdown.row(md, row.stream().map(RunReport::md).toList());
        }
    }

    /** Escapes text for a Markdown table cell or heading: no markup, no raw HTML, one line. */
    static String md(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\', '`', '*', '_', '[', ']', '|' -> sb.append('\\').append(c);
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '\n', '\r' -> sb.append(' ');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- HTML

    private static final String CSS = """
            body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;color:#222;max-width:960px;margin:2em auto;\
            padding:0 1em;line-height:1.4}
            h1{font-size:1.6em;margin-bottom:.3em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
            th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}th{background:#f4f4f4}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            .accepted{color:#0a7d32;font-weight:bold}.rejected{color:#b00020;font-weight:bold}
            figure{margin:1em 0}svg{max-width:100%;height:auto}
            pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.9em}
            """;

    static String html(ReportData data, Map<String, String> plots) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Run ")
                .append(Svg.escape(data.runId())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n");
        h.append("<h1>Run ").append(Svg.escape(data.runId())).append("</h1>\n<table class=\"facts\">\n");
        for (Fact f : facts(data)) {
            h.append("<tr><th>").append(Svg.escape(f.name())).append("</th><td>").append(Svg.escape(f.value()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!data.finish().isEmpty()) {
            h.append("<h2>Gated candidates (held-out slice)</h2>\n");
            htmlTable(h, finishTable(data));
        }
        htmlFigure(h, plots, BEST_SO_FAR);
        if (data.topK() > 0) {
            h.append("<h2>Top ").append(data.topK()).append(" on the search slice</h2>\n");
            htmlTable(h, topTable(data));
        }
        if (!data.sourceScores().isEmpty() || !data.finish().isEmpty()) {
            h.append("<h2>").append(PLOT_CAPTIONS.get(TASK_SCORES)).append("</h2>\n");
            htmlTable(h, heldOutTable(data));
            if (plots.containsKey(TASK_SCORES)) {
                h.append("<figure>\n").append(plots.get(TASK_SCORES)).append("</figure>\n");
            }
        }
        htmlFigure(h, plots, RETENTION);
        htmlFigure(h, plots, SWEEP);
        htmlFigure(h, plots, PARETO);
        String recipe = bestRecipe(data);
        if (recipe != null) {
            h.append("<h2>Best recipe</h2>\n<pre>").append(Svg.escape(recipe)).append("</pre>\n");
        }
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void htmlFigure(StringBuilder h, Map<String, String> plots, String file) {
        if (plots.containsKey(file)) {
            h.append("<h2>").append(PLOT_CAPTIONS.get(file)).append("</h2>\n<figure>\n").append(plots.get(file))
                    .append("</figure>\n");
        }
    }

    private static void htmlTable(StringBuilder h, Table t) {
        h.append("<table>\n<tr>");
        for (String name : t.header()) {
            h.append("<th>").append(Svg.escape(name)).append("</th>");
        }
        h.append("</tr>\n");
        for (List<String> row : t.rows()) {
            h.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                String cls = c >= t.firstNumeric() ? " class=\"num\""
                        : cell.equals("accepted") || cell.equals("rejected") ? " class=\"" + cell + "\"" : "";
                h.append("<td").append(cls).append('>').append(Svg.escape(cell)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    // ---------------------------------------------------------------- formatting and files

    static String duration(double seconds) {
        if (seconds < 60) {
            return seconds(seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, s < 10 ? "%.2fs" : "%.1fs", s);
    }

    private static Path writeAtomically(Path target, String text) {
        AtomicFiles.write(target, text);
        return target;
    }
}
