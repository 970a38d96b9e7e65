package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.report.RunReport;
import dev.evomerge.search.Finisher;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.SearchLoop;
import dev.evomerge.search.SearchRun;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What search, sweep and demo share after the run: the report and the summary a newcomer reads. */
final class SearchCommands {
    private SearchCommands() {
    }

    static SearchRun.RunOutcome run(RunOptions o, Path out, String runId, boolean resume, PrintWriter err) {
        return run(o, out, runId, resume, err, null);
    }

    /**
     * Runs locally, or with {@code --cluster} on its workers (the cluster classes load only then); this process's
     * models on the options' {@code --device}.
     */
    static SearchRun.RunOutcome run(RunOptions o, Path out, String runId, boolean resume, PrintWriter err,
                                 SearchOptions cluster) {
        RuntimeOptions runtime = cluster == null ? RuntimeOptions.defaults()
                : cluster.device.runtime(RuntimeOptions.defaults(), err);
        Path runDir = out.resolve(runId);
        if (!resume && Files.exists(runDir.resolve(Journal.FILE))) {
            throw new UserError(runDir.resolve(Journal.FILE) + " already exists; use --resume to continue that run or "
                    + "choose another run id");
        }
        err.println("evomerge: run " + runDir + (resume ? " (resuming)" : ""));
        err.flush();
        if (cluster != null && cluster.cluster != null) {
            return ClusterRuns.run(o, runDir, resume, err, cluster.cluster, cluster.clusterName,
                    cluster.clusterTimeout, runtime);
        }
        return SearchRun.run(o, runDir, resume, err, null, runtime, Wiring.search());
    }

    /** The end-of-run table: sources and gated candidates per task on the held-out slice, with the gate decision. */
    static void summary(SearchRun.RunOutcome r, PrintWriter out) {
        JournalEntry best = SearchLoop.best(r.entries());
        out.printf(Locale.ROOT, "%d candidates in %.1f s (%d evaluated now, %d from the journal).%n",
                r.entries().size(), r.searchSeconds(), r.evaluatedNow(), r.replayed());
        if (best != null) {
            out.printf(Locale.ROOT, "Best on the search slice: candidate #%d, fitness %.4f%n", best.index(),
                    best.fitness());
        }
        if (r.finish() == null) {
            out.println("No --gates given: nothing was re-scored on the held-out slice or gated.");
        } else {
            List<String> tasks = r.tasks();
            out.println();
            out.println("Held-out scores (higher is better; retention: the share of each specialist's gain over the base"
                    + " kept):");
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-22s", "model"));
            tasks.forEach(t -> head.append(String.format(Locale.ROOT, " %8s", t)));
            head.append("  release gates");
            out.println(head);
            r.finish().references().forEach((name, scores) -> {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-22s",
                        (name.equals(SearchSpaces.BASE) ? "base" : "source " + name)));
                tasks.forEach(t -> row.append(cell(scores.get(t))));
                out.println(row);
            });
            for (Finisher.Finalist f : r.finish().outcomes()) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-22s",
                        "candidate #" + f.entry().index()));
                tasks.forEach(t -> row.append(cell(f.heldout().get(t))));
                row.append("  ").append(f.accepted() ? "PASS" : "FAIL: " + f.report().results().stream()
                        .filter(g -> !g.passed()).map(g -> g.gate().describe()
                                + String.format(Locale.ROOT, " (margin %+.3f)", g.margin()))
                        .findFirst().orElse(""));
                out.println(row);
                Map<String, Double> kept = heldOutRetention(r.objective(), r.finish().references(), f.heldout(),
                        tasks);
                if (!kept.isEmpty()) {
                    StringBuilder k = new StringBuilder(String.format(Locale.ROOT, "%-22s", "  retention"));
                    tasks.forEach(t -> k.append(cell(kept.get(t))));
                    kept.values().stream().filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).min()
                            .ifPresent(w -> k.append(String.format(Locale.ROOT, "  worst %.3f", w)));
                    out.println(k);
                }
            }
            Finisher.Finalist accepted = r.finish().bestAccepted();
            out.println();
            out.println(accepted == null ? "No candidate passed every gate; see finish.md for the margins."
                    : "Accepted: " + accepted.checkpoint() + " (checkpoint, recipe, scores and model card)");
        }
        out.println("Leaderboard: " + r.runDir().resolve("leaderboard.md") + "   report: "
                + r.runDir().resolve(RunReport.MARKDOWN));
        out.flush();
    }

    /**
     * Held-out retention per task (docs/search.md): the share of each task's reference gain over the base that
     * {@code heldout} keeps, from the finish's held-out scores of the base and sources. Empty where it does not apply:
     * no base, or a task scored outside [0, 1] (a perplexity; the report plots retention on its log scale).
     */
    static Map<String, Double> heldOutRetention(Objective objective,
                                                Map<String, Map<String, Double>> references,
                                                Map<String, Double> heldout, List<String> tasks) {
        if (objective == null || !references.containsKey(SearchSpaces.BASE) || references.size() < 2
                || !references.keySet().containsAll(objective.references().values())
                || !tasks.stream().allMatch(t -> inUnit(references, t) && unit(heldout.get(t)))) {
            return Map.of();
        }
        var constants = objective.retention(references, SearchSpaces.BASE, Set.of());
        Map<String, Double> out = new LinkedHashMap<>();
        tasks.forEach(t -> out.put(t, heldout.get(t) == null || !objective.weights().containsKey(t) ? null
                : constants.of(t, heldout.get(t))));
        return out;
    }

    private static boolean unit(Double v) {
        return v == null || (v >= 0 && v <= 1);
    }

    private static boolean inUnit(Map<String, Map<String, Double>> sources, String task) {
        return sources.values().stream().allMatch(m -> unit(m.get(task)));
    }

    private static String cell(Double v) {
        return v == null ? String.format(Locale.ROOT, " %8s", "-") : String.format(Locale.ROOT, " %8.3f", v);
    }

    static Map<String, List<Double>> parseGrid(List<String> specs) {
        Map<String, List<Double>> grid = new LinkedHashMap<>();
        for (String s : specs == null ? List.<String>of() : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new UserError("--grid must look like NAME=v1,v2,..., but was '" + s + "'");
            }
            List<Double> values = new ArrayList<>();
            for (String v : s.substring(eq + 1).split(",")) {
                try {
                    values.add(Double.parseDouble(v.strip()));
                } catch (NumberFormatException e) {
                    throw new UserError("--grid " + s.substring(0, eq) + ": '" + v + "' is not a number");
                }
            }
            grid.put(s.substring(0, eq).strip(), values);
        }
        return grid;
    }
}
