package dev.evomerge.gate;

import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.SuiteResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs a gate file against a candidate. Tensor-only gates (the L2 distance) run first; if one fails, the candidate
 * is already rejected and, unless {@code evaluateAll}, no model is loaded and the metric gates are reported as
 * skipped. Otherwise the candidate and every reference a gate names are scored on the gate slice (through the
 * cache, so each source's baseline is computed once), and each gate is decided on its own task: an aggregate never
 * stands in for a task.
 */
public final class GateRunner {
    /** Why a metric gate is skipped when {@code evaluateAll} is off and a tensor gate already rejected. */
    public static final String NOT_EVALUATED = "not evaluated: a tensor gate already rejected the candidate";

    private final Scorer scorer;
    private final WeightDistance distance;

    public GateRunner(Scorer scorer, WeightDistance distance) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.distance = Objects.requireNonNull(distance, "distance");
    }

    public GateReport run(GateFile file, Path candidate, int limit, boolean evaluateAll, PrintWriter log) {
        ModelProvider.requireDirectory(candidate, "candidate");
        if (file.base() != null) {
            ModelProvider.requireDirectory(file.base(), "base");
        }
        file.sources().forEach((name, dir) -> ModelProvider.requireDirectory(dir, "source '" + name + "'"));

        Map<Integer, GateResult> decided = new LinkedHashMap<>();
        boolean tensorRejected = false;
        WeightDistance.Measurement measurement = null;
        for (Gate g : file.gates()) {
            if (g instanceof Gate.Distance d) {
                if (measurement == null) {
                    measurement = distance.measure(candidate, file.base());
                }
                GateResult r = Decisions.decide(d, measurement);
                decided.put(g.index(), r);
                tensorRejected |= !r.passed();
            }
        }

        Map<String, SuiteResult> scores = new LinkedHashMap<>();
        List<Gate.Metric> metricGates = file.gates().stream().filter(g -> g instanceof Gate.Metric)
                .map(g -> (Gate.Metric) g).toList();
        if (!metricGates.isEmpty() && (!tensorRejected || evaluateAll)) {
            scores.put("candidate", score(candidate, "candidate", file, limit, log));
            Set<String> refs = new LinkedHashSet<>();
            metricGates.stream().filter(g -> g.source() != null).forEach(g -> refs.add(g.source()));
            for (String ref : refs) {
                scores.put(ref, score(file.reference(ref), ref, file, limit, log));
            }
            for (Gate.Metric g : metricGates) {
                decided.put(g.index(), Decisions.decide(g, scores.get("candidate"),
                        g.source() == null ? null : scores.get(g.source())));
            }
        } else {
            for (Gate.Metric g : metricGates) {
                decided.put(g.index(), Decisions.skipped(g, NOT_EVALUATED));
            }
        }
        List<GateResult> ordered = new ArrayList<>();
        for (Gate g : file.gates()) {
            ordered.add(decided.get(g.index()));
        }
        return new GateReport(file, candidate, measurement, ordered, scores);
    }

    private SuiteResult score(Path dir, String role, GateFile file, int limit, PrintWriter log) {
        Scorer.Scored s = scorer.score(dir, role, file.suite(), file.slice(), limit);
        if (log != null) {
            log.println("evomerge: " + role + " (" + dir + ") scored on " + file.suite().name() + "/" + file.slice()
                    + (s.cached() ? " [cached]" : ""));
            log.flush();
        }
        return s.result();
    }
}
