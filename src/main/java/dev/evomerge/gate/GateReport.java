package dev.evomerge.gate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.eval.MetricValue;
import dev.evomerge.eval.ResultTable;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.eval.TaskResult;
import dev.evomerge.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The outcome of a gate run: one decision per gate, the scores behind them, and the text and JSON renderings. */
public record GateReport(GateFile file, Path candidate, WeightDistance.Measurement distance, List<GateResult> results,
        Map<String, SuiteResult> scores) {
    public static final String FORMAT = "evomerge-gate-report";
    public static final int VERSION = 1;

    public GateReport {
        results = List.copyOf(results);
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    /** Accepted only if every gate passed; a skipped gate is not a pass. */
    public boolean accepted() {
        return results.stream().allMatch(GateResult::passed);
    }

    public long failed() {
        return results.stream().filter(r -> r.status() != GateResult.Status.PASS).count();
    }

    /** One line per gate: status, gate, measured value, threshold, margin (and what the numbers were). */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        int width = results.stream().mapToInt(r -> r.gate().describe().length()).max().orElse(0);
        for (GateResult r : results) {
            String status = switch (r.status()) {
                case PASS -> "PASS";
                case FAIL -> "FAIL";
                case SKIPPED -> "SKIP";
            };
            String head = String.format(Locale.ROOT, "%s  #%-2d %-" + width + "s", status, r.gate().index(),
                    r.gate().describe());
            if (r.status() == GateResult.Status.SKIPPED) {
                lines.add(head + "  (" + r.note() + ")");
                continue;
            }
            StringBuilder sb = new StringBuilder(head);
            sb.append("  measured ").append(ResultTable.fmt(r.measured()));
            if (r.gate() instanceof Gate.Metric m && m.confidence()) {
                sb.append(" (point ").append(ResultTable.fmt(r.point())).append(')');
            }
            sb.append("  threshold ").append(ResultTable.fmt(r.threshold()));
            sb.append("  margin ").append(r.margin() >= 0 ? "+" : "").append(ResultTable.fmt(r.margin()));
            if (!r.note().isEmpty()) {
                sb.append("  (").append(r.note()).append(')');
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    public String summary() {
        return accepted() ? "ACCEPTED: all " + results.size() + " gates passed"
                : "REJECTED: " + failed() + " of " + results.size() + " gates did not pass";
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("accepted", accepted());
        root.put("candidate", candidate.toString());
        SuiteResult cand = scores.get("candidate");
        if (cand != null) {
            root.put("candidate_hash", cand.modelHash());
        }
        root.put("gates_file", file.file().toString());
        root.put("suite", file.suite().name());
        root.put("suite_file", file.suite().file().toString());
        root.put("suite_hash", file.suite().hash());
        root.put("slice", file.slice());
        if (distance != null) {
            ObjectNode d = root.putObject("l2_distance");
            Json.putNumber(d, "distance", distance.distance());
            Json.putNumber(d, "base_norm", distance.baseNorm());
        }
        ArrayNode gates = root.putArray("gates");
        for (GateResult r : results) {
            ObjectNode g = gates.addObject();
            g.put("index", r.gate().index());
            g.put("gate", r.gate().describe());
            g.put("status", r.status().name().toLowerCase(Locale.ROOT));
            switch (r.gate()) {
                case Gate.Metric m -> {
                    g.put("kind", m.kind().key);
                    g.put("task", m.task());
                    g.put("metric", m.metric());
                    g.put("higher_is_better", m.higherIsBetter());
                    g.put("value", m.value());
                    if (m.source() != null) {
                        g.put("reference", m.source());
                    }
                    g.put("confidence", m.confidence());
                }
                case Gate.Distance d -> {
                    g.put("kind", "l2_distance");
                    g.put("relative", d.relative());
                    g.put("value", d.max());
                }
            }
            Json.putNumber(g, "measured", r.measured());
            Json.putNumber(g, "point", r.point());
            Json.putNumber(g, "threshold", r.threshold());
            Json.putNumber(g, "margin", r.margin());
            g.put("note", r.note());
        }
        ObjectNode sc = root.putObject("scores");
        for (Map.Entry<String, SuiteResult> e : scores.entrySet()) {
            ObjectNode model = sc.putObject(e.getKey());
            model.put("model_hash", e.getValue().modelHash());
            for (TaskResult t : e.getValue().tasks()) {
                ObjectNode task = model.putObject(t.task());
                task.put("n", t.evaluated());
                for (Map.Entry<String, MetricValue> m : t.metrics().entrySet()) {
                    ObjectNode mv = task.putObject(m.getKey());
                    Json.putNumber(mv, "value", m.getValue().value());
                    Json.putNumber(mv, "stderr", m.getValue().stderr());
                    Json.putNumber(mv, "low", m.getValue().low());
                    Json.putNumber(mv, "high", m.getValue().high());
                }
            }
        }
        return root;
    }

}
