package dev.evomerge.report;

import dev.evomerge.gate.GateResult;
import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Finisher;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.Normalization;
import dev.evomerge.search.SearchRun;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.ParamSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;

/** A finished search or sweep as {@link ReportData}: what {@code search}, {@code sweep} and {@code demo} write. */
public final class SearchReport {
    private SearchReport() {
    }

    /** Writes the run's report ({@link RunReport}) into its run directory. */
    public static void write(SearchRun.RunOutcome r, ReportData.Sweep sweep) {
        try {
            RunReport.write(r.runDir(), data(r, sweep));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The report data of a finished run: its settings, timings, the search-slice candidates, the finish's held-out
     * scores combined as the search combined them, and (multi-objective runs) the Pareto plane. Tasks whose scores
     * leave [0, 1] (negated perplexities) stay in the JSON files, not the plots.
     *
     * @param sweep the sweep heatmap ({@link #sweep(SearchRun.RunOutcome)}), or null
     */
    public static ReportData data(SearchRun.RunOutcome r, ReportData.Sweep sweep) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("seed", Long.toString(r.options().seed()));
        settings.put("search space", r.options().space().toString());
        settings.put("suite", r.options().suite().toString());
        settings.put("gates", String.valueOf(r.options().gates()));
        settings.put("workers", Integer.toString(r.options().workers()));
        List<ReportData.FinishResult> finish = new ArrayList<>();
        Map<String, Map<String, Double>> sources = r.finish() == null ? Map.of() : r.finish().references();
        // Held-out candidates combine as the search did: retention against the sources' held-out scores when normalized.
        var objective = Normalization.heldOut(r.objective(), sources);
        Map<String, Double> weights = objective.weights();
        if (r.finish() != null) {
            for (Finisher.Finalist f : r.finish().outcomes()) {
                GateResult failing = f.report().results().stream().filter(g -> !g.passed()).findFirst().orElse(null);
                double margin = failing != null ? failing.margin()
                        : f.report().results().stream().mapToDouble(GateResult::margin).min().orElse(Double.NaN);
                Map<String, Double> held = f.heldout();
                double combined = held.keySet().containsAll(weights.keySet())
                        ? objective.scalar(held) : Double.NaN;
                finish.add(new ReportData.FinishResult("#" + f.entry().index(), f.entry().index(), held, combined,
                        f.accepted(), failing == null ? null : failing.gate().describe(), margin,
                        f.checkpoint() == null ? null : r.runDir().relativize(f.checkpoint()).toString()));
            }
        }
        // The report plots scores in [0, 1]; perplexity tasks (negated perplexities) stay in the JSON files.
        List<String> tasks = r.tasks().stream().filter(t -> inUnit(sources, t)
                && r.entries().stream().allMatch(e -> unit(e.scores().get(t)))).toList();
        Map<String, Map<String, Double>> unitSources = new LinkedHashMap<>();
        sources.forEach((n, m) -> unitSources.put(n, only(m, tasks)));
        List<ReportData.FinishResult> unitFinish = finish.stream().map(f -> new ReportData.FinishResult(f.name(),
                f.journalIndex(), only(f.heldOut(), tasks), f.combined(), f.accepted(), f.failingGate(), f.margin(),
                f.checkpoint())).toList();
        return new ReportData(r.runId(), r.strategy(), r.options().budget(), settings,
                new ReportData.Timings(r.searchSeconds(), r.finishSeconds()), tasks, r.entries(),
                Math.max(10, r.options().topK()), unitSources, unitFinish, sweep,
                objective.pareto() ? paretoPoints(r.entries(), tasks) : null);
    }

    /**
     * The search-slice scores of every evaluated candidate on the two tasks that trade off most (the pair with the
     * lowest correlation across candidates): a plane has room for two of a multi-objective run's tasks.
     */
    static ReportData.ParetoPoints paretoPoints(List<JournalEntry> entries, List<String> tasks) {
        List<JournalEntry> done = entries.stream().filter(e -> e.status().equals(CandidateStatus.EVALUATED)
                && e.scores().keySet().containsAll(tasks)).toList();
        if (tasks.size() < 2 || done.size() < 2) {
            return null;
        }
        String x = tasks.get(0);
        String y = tasks.get(1);
        double lowest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < tasks.size(); i++) {
            for (int j = i + 1; j < tasks.size(); j++) {
                String a = tasks.get(i);
                String b = tasks.get(j);
                double c = correlation(done.stream().mapToDouble(e -> e.scores().get(a)).toArray(),
                        done.stream().mapToDouble(e -> e.scores().get(b)).toArray());
                if (c < lowest) {
                    lowest = c;
                    x = a;
                    y = b;
                }
            }
        }
        String fx = x;
        String fy = y;
        return new ReportData.ParetoPoints(x, y, done.stream().map(e -> new double[] {e.scores().get(fx),
                e.scores().get(fy)}).toList(), done.stream().map(e -> "#" + e.index()).toList());
    }

    /** Pearson's r (commons-math); 0 when either side is constant (no trade-off to show). */
    static double correlation(double[] a, double[] b) {
        double r = new PearsonsCorrelation().correlation(a, b);
        return Double.isNaN(r) ? 0 : r;
    }

    private static boolean unit(Double v) {
        return v == null || (v >= 0 && v <= 1);
    }

    private static boolean inUnit(Map<String, Map<String, Double>> sources, String task) {
        return sources.values().stream().allMatch(m -> unit(m.get(task)));
    }

    private static Map<String, Double> only(Map<String, Double> m, List<String> tasks) {
        Map<String, Double> out = new LinkedHashMap<>();
        tasks.forEach(t -> {
            if (m.containsKey(t)) {
                out.put(t, m.get(t));
            }
        });
        return out;
    }

    /** The heatmap of a sweep's first two swept parameters (by grid order, else the space's), or null. */
    public static ReportData.Sweep sweep(SearchRun.RunOutcome r) {
        MergeSpace ms = r.space();
        List<ParamSpec> params = new ArrayList<>();
        for (String n : r.gridNames()) {
            ms.params().stream().filter(p -> p.name().equals(n)).findFirst().ifPresent(params::add);
        }
        for (ParamSpec p : ms.params()) {
            if (params.size() < 2 && !params.contains(p)) {
                params.add(p);
            }
        }
        if (params.size() < 2) {
            return null;
        }
        int gx = firstGene(ms.geneNames(), params.get(0).name());
        int gy = firstGene(ms.geneNames(), params.get(1).name());
        if (gx < 0 || gy < 0) {
            return null;
        }
        List<double[]> xyz = new ArrayList<>();
        for (JournalEntry e : r.entries()) {
            if (e.status().equals(CandidateStatus.EVALUATED)) {
                xyz.add(new double[] {params.get(0).value(e.genome().gene(gx)),
                        params.get(1).value(e.genome().gene(gy)), e.fitness()});
            }
        }
        return xyz.isEmpty() ? null : ReportData.Sweep.of(params.get(0).name(), params.get(1).name(), xyz);
    }

    /** The index of the first gene of parameter {@code param} (itself, or one of its {@code [i]}/{@code .x} genes). */
    private static int firstGene(List<String> genes, String param) {
        for (int i = 0; i < genes.size(); i++) {
            String g = genes.get(i);
            if (g.equals(param) || g.startsWith(param + "[") || g.startsWith(param + ".")) {
                return i;
            }
        }
        return -1;
    }
}
