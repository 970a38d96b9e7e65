package dev.evomerge.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The terminal table of a suite result: one row per task and metric, primary metric marked with '*'. */
public final class ResultTable {
    private ResultTable() {}

    public static String render(SuiteResult r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", "type", "n", "metric", "value", "stderr", "95% interval"});
        for (TaskResult t : r.tasks()) {
            boolean first = true;
            for (Map.Entry<String, MetricValue> m : t.metrics().entrySet()) {
                MetricValue v = m.getValue();
                String n = t.evaluated() == t.available() ? Integer.toString(t.evaluated())
                        : t.evaluated() + "/" + t.available();
                rows.add(new String[] {first ? t.task() : "", first ? t.type().yamlName() : "", first ? n : "",
                        m.getKey() + (m.getKey().equals(t.primaryMetric()) ? "*" : ""), fmt(v.value()),
                        fmt(v.stderr()), "[" + fmt(v.low()) + ", " + fmt(v.high()) + "]"});
                first = false;
            }
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("suite ").append(r.suite()).append(" (").append(shortHash(r.suiteHash())).append("), slice ")
                .append(r.slice()).append(", model ").append(shortHash(r.modelHash()))
                .append(r.limit() > 0 ? ", limit " + r.limit() : "").append('\n');
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean numeric = i == 2 || i == 4 || i == 5;
                String cell = numeric ? " ".repeat(width[i] - row[i].length()) + row[i]
                        : row[i] + " ".repeat(width[i] - row[i].length());
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        double w = r.weightedScore();
        if (!Double.isNaN(w)) {
            sb.append("weighted score (higher-is-better tasks): ").append(fmt(w)).append('\n');
        }
        return sb.toString();
    }

    public static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 ? "%.1f" : "%.4f", v);
    }

    public static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) : h;
    }
}
