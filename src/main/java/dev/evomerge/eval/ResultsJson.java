package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Results as JSON shaped like lm-evaluation-harness's output ({@code results} with {@code "acc,none"} and
 * {@code "acc_stderr,none"} keys, {@code higher_is_better}, {@code n-shot}, {@code n-samples}, {@code configs},
 * {@code versions}, {@code config}), plus {@code intervals} (95% bounds and their method) and an {@code evomerge}
 * block with the cache identity. Non-finite numbers are written as null (NaN) or the strings "Infinity" and
 * "-Infinity". {@link #read} restores exactly what {@link #write} wrote.
 */
public final class ResultsJson {
    public static final String FORMAT = "evomerge-eval-results";
    public static final int VERSION = 1;
    /** lm-eval's filter name when no filter is applied. */
    private static final String FILTER = ",none";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJson() {}

    public static ObjectNode write(SuiteResult r) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode intervals = root.putObject("intervals");
        ObjectNode better = root.putObject("higher_is_better");
        ObjectNode nshot = root.putObject("n-shot");
        ObjectNode nsamples = root.putObject("n-samples");
        ObjectNode configs = root.putObject("configs");
        ObjectNode versions = root.putObject("versions");
        for (TaskResult t : r.tasks()) {
            ObjectNode res = results.putObject(t.task());
            res.put("alias", t.task());
            ObjectNode iv = intervals.putObject(t.task());
            ObjectNode hb = better.putObject(t.task());
            for (Map.Entry<String, MetricValue> m : t.metrics().entrySet()) {
                MetricValue v = m.getValue();
                number(res, m.getKey() + FILTER, v.value());
                number(res, m.getKey() + "_stderr" + FILTER, v.stderr());
                ObjectNode ci = iv.putObject(m.getKey());
                number(ci, "low", v.low());
                number(ci, "high", v.high());
                ci.put("level", 0.95);
                ci.put("method", v.interval());
                hb.put(m.getKey(), v.higherIsBetter());
            }
            nshot.put(t.task(), t.fewshot());
            ObjectNode ns = nsamples.putObject(t.task());
            ns.put("original", t.available());
            ns.put("effective", t.evaluated());
            ObjectNode cfg = configs.putObject(t.task());
            cfg.put("task", t.task());
            cfg.put("output_type", t.type().yamlName());
            cfg.put("metric", t.primaryMetric());
            cfg.put("weight", t.weight());
            cfg.put("num_fewshot", t.fewshot());
            versions.put(t.task(), Suite.VERSION);
        }
        ObjectNode config = root.putObject("config");
        config.put("model", "evomerge");
        config.put("model_hash", r.modelHash());
        if (r.limit() > 0) {
            config.put("limit", r.limit());
        } else {
            config.putNull("limit");
        }
        ObjectNode evo = root.putObject("evomerge");
        evo.put("format", FORMAT);
        evo.put("version", VERSION);
        evo.put("suite", r.suite());
        evo.put("suite_hash", r.suiteHash());
        evo.put("model_hash", r.modelHash());
        evo.put("slice", r.slice());
        evo.put("limit", r.limit());
        number(evo, "weighted_score", r.weightedScore());
        return root;
    }

    /** Parses what {@link #write} produced; throws IllegalArgumentException on anything else. */
    public static SuiteResult read(JsonNode root) {
        JsonNode evo = require(root, "evomerge");
        if (!FORMAT.equals(evo.path("format").asText()) || evo.path("version").asInt() != VERSION) {
            throw new IllegalArgumentException("not " + FORMAT + " version " + VERSION);
        }
        List<TaskResult> tasks = new ArrayList<>();
        JsonNode results = require(root, "results");
        for (Iterator<String> it = results.fieldNames(); it.hasNext(); ) {
            String task = it.next();
            JsonNode cfg = require(require(root, "configs"), task);
            TaskType type = TaskType.fromYamlName(require(cfg, "output_type").asText());
            JsonNode res = results.get(task);
            JsonNode iv = require(require(root, "intervals"), task);
            JsonNode hb = require(require(root, "higher_is_better"), task);
            Map<String, MetricValue> metrics = new LinkedHashMap<>();
            for (String m : type.metrics()) {
                JsonNode ci = require(iv, m);
                metrics.put(m, new MetricValue(number(require(res, m + FILTER)),
                        number(require(res, m + "_stderr" + FILTER)), number(require(ci, "low")),
                        number(require(ci, "high")), require(ci, "method").asText(), require(hb, m).asBoolean()));
            }
            JsonNode ns = require(require(root, "n-samples"), task);
            tasks.add(new TaskResult(task, type, require(cfg, "metric").asText(), require(cfg, "weight").asDouble(),
                    require(require(root, "n-shot"), task).asInt(), require(ns, "original").asInt(),
                    require(ns, "effective").asInt(), metrics));
        }
        return new SuiteResult(require(evo, "suite").asText(), require(evo, "suite_hash").asText(),
                require(evo, "model_hash").asText(), require(evo, "slice").asText(), require(evo, "limit").asInt(),
                tasks);
    }

    private static JsonNode require(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return v;
    }

    static void number(ObjectNode node, String key, double v) {
        if (Double.isNaN(v)) {
            node.putNull(key);
        } else if (Double.isInfinite(v)) {
            node.put(key, v > 0 ? "Infinity" : "-Infinity");
        } else {
            node.put(key, v);
        }
    }

    static double number(JsonNode v) {
        if (v.isNull()) {
            return Double.NaN;
        }
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("not a number: " + v);
            };
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("not a number: " + v);
        }
        return v.asDouble();
    }
}
