package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.io.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Results as lm-evaluation-harness writes them (read from its evaluator, {@code result_schema.py},
 * {@code make_table} and {@code zeno_visualize}): {@code results} per task with {@code name}, {@code alias},
 * {@code sample_len} and {@code "acc,none"} / {@code "acc_stderr,none"} keys (an undefined standard error is the
 * string {@code "N/A"}, as lm-eval writes it), {@code groups}, {@code group_subtasks}, {@code configs} (with
 * lm-eval's {@code output_type} and {@code metric_list}), {@code versions}, {@code n-shot}, {@code higher_is_better},
 * {@code n-samples}, {@code config} ({@code model}, {@code model_args}, {@code batch_size}, {@code device},
 * {@code limit}, ...), {@code git_hash}, {@code date}, {@code task_hashes} and the model identity and timing keys
 * ({@code model_source}, {@code model_name}, {@code model_name_sanitized}, {@code start_time}, {@code end_time},
 * {@code total_evaluation_time_seconds}). evomerge's own fields (format, cache identity, primary metric and weight
 * per task, 95% intervals, weighted score) live under {@code evomerge}. Other non-finite numbers are written as
 * null (NaN) or the strings "Infinity" and "-Infinity". {@link #read} restores exactly what {@link #write} wrote.
 */
public final class ResultsJson {
    public static final String FORMAT = "evomerge-eval-results";
    /** 2: lm-eval's output types, "N/A" standard errors, evomerge's extras moved under {@code evomerge}. */
    public static final int VERSION = 2;
    /** lm-eval's filter name when no filter is applied. */
    private static final String FILTER = ",none";
    /** lm-eval's value for a standard error that is undefined (one example, no bootstrap). */
    static final String NOT_AVAILABLE = "N/A";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJson() {}

    /**
     * How a result was produced, for lm-eval's {@code config} and identity keys. {@code modelName} is the model
     * directory as the user named it (lm-eval's {@code pretrained=}); times are seconds since the epoch;
     * {@code gitHash} may be null (lm-eval writes null outside a git checkout).
     */
    public record Run(String modelName, String device, int batchSize, double startTime, double endTime,
            String gitHash) {
        public Run {
            java.util.Objects.requireNonNull(modelName, "modelName");
            java.util.Objects.requireNonNull(device, "device");
        }

        /** lm-eval's {@code sanitize_model_name}: path separators and other unsafe characters become "__". */
        public String sanitizedModelName() {
            return modelName.replaceAll("[\"<>:/|\\\\?*\\[\\]]+", "__");
        }
    }

    /** The results alone (the cache's file): no run, no samples. */
    public static ObjectNode write(SuiteResult r) {
        return write(r, null, null);
    }

    /** {@code run} and {@code samples} may be null; samples add {@code task_hashes}. */
    public static ObjectNode write(SuiteResult r, Run run, SampleLog samples) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        root.putObject("groups");
        root.putObject("group_subtasks");
        ObjectNode configs = root.putObject("configs");
        ObjectNode versions = root.putObject("versions");
        ObjectNode nshot = root.putObject("n-shot");
        ObjectNode better = root.putObject("higher_is_better");
        ObjectNode nsamples = root.putObject("n-samples");
        ObjectNode evo = JSON.createObjectNode();
        ObjectNode evoTasks = JSON.createObjectNode();
        ObjectNode intervals = JSON.createObjectNode();
        for (TaskResult t : r.tasks()) {
            ObjectNode res = results.putObject(t.task());
            res.put("name", t.task());
            res.put("alias", t.task());
            res.put("sample_len", t.evaluated());
            ObjectNode iv = intervals.putObject(t.task());
            ObjectNode hb = better.putObject(t.task());
            ObjectNode cfg = configs.putObject(t.task());
            cfg.put("task", t.task());
            cfg.put("output_type", t.type().outputType());
            cfg.put("num_fewshot", t.fewshot());
            ArrayNode metricList = cfg.putArray("metric_list");
            for (Map.Entry<String, MetricValue> m : t.metrics().entrySet()) {
                MetricValue v = m.getValue();
                Json.putNumber(res, m.getKey() + FILTER, v.value());
                if (Double.isNaN(v.stderr())) {
                    res.put(m.getKey() + "_stderr" + FILTER, NOT_AVAILABLE);
                } else {
                    Json.putNumber(res, m.getKey() + "_stderr" + FILTER, v.stderr());
                }
                ObjectNode ci = iv.putObject(m.getKey());
                Json.putNumber(ci, "low", v.low());
                Json.putNumber(ci, "high", v.high());
                ci.put("level", 0.95);
                ci.put("method", v.interval());
                hb.put(m.getKey(), v.higherIsBetter());
                ObjectNode ml = metricList.addObject();
                ml.put("metric", m.getKey());
                ml.put("aggregation", t.type().aggregation(m.getKey()));
                ml.put("higher_is_better", v.higherIsBetter());
            }
            cfg.putObject("metadata").put("version", Suite.VERSION);
            versions.put(t.task(), Suite.VERSION);
            nshot.put(t.task(), t.fewshot());
            ObjectNode ns = nsamples.putObject(t.task());
            ns.put("original", t.available());
            ns.put("effective", t.evaluated());
            ObjectNode et = evoTasks.putObject(t.task());
            et.put("metric", t.primaryMetric());
            et.put("weight", t.weight());
        }
        ObjectNode config = root.putObject("config");
        config.put("model", "evomerge");
        config.put("model_args", run == null ? null : "pretrained=" + run.modelName());
        if (run != null) {
            config.put("batch_size", Integer.toString(run.batchSize()));
            config.putArray("batch_sizes");
            config.put("device", run.device());
        }
        if (r.limit() > 0) {
            config.put("limit", r.limit());
        } else {
            config.putNull("limit");
        }
        config.put("bootstrap_iters", 0);
        config.put("model_hash", r.modelHash());
        if (run != null) {
            root.put("git_hash", run.gitHash());
            root.put("date", run.startTime());
        }
        ObjectNode hashes = root.putObject("task_hashes");
        if (samples != null) {
            for (TaskResult t : r.tasks()) {
                hashes.put(t.task(), samples.taskHash(t.task()));
            }
        }
        if (run != null) {
            root.put("model_source", "evomerge");
            root.put("model_name", run.modelName());
            root.put("model_name_sanitized", run.sanitizedModelName());
            root.put("start_time", run.startTime());
            root.put("end_time", run.endTime());
            root.put("total_evaluation_time_seconds", Double.toString(run.endTime() - run.startTime()));
        }
        evo.put("format", FORMAT);
        evo.put("version", VERSION);
        evo.put("suite", r.suite());
        evo.put("suite_hash", r.suiteHash());
        evo.put("model_hash", r.modelHash());
        evo.put("slice", r.slice());
        evo.put("limit", r.limit());
        Json.putNumber(evo, "weighted_score", r.weightedScore());
        evo.set("tasks", evoTasks);
        evo.set("intervals", intervals);
        root.set("evomerge", evo);
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
            TaskType type = TaskType.fromOutputType(require(cfg, "output_type").asText());
            JsonNode res = results.get(task);
            JsonNode iv = require(require(evo, "intervals"), task);
            JsonNode hb = require(require(root, "higher_is_better"), task);
            JsonNode et = require(require(evo, "tasks"), task);
            Map<String, MetricValue> metrics = new LinkedHashMap<>();
            for (String m : type.metrics()) {
                JsonNode ci = require(iv, m);
                JsonNode se = require(res, m + "_stderr" + FILTER);
                metrics.put(m, new MetricValue(number(require(res, m + FILTER)),
                        NOT_AVAILABLE.equals(se.asText()) ? Double.NaN : number(se), number(require(ci, "low")),
                        number(require(ci, "high")), require(ci, "method").asText(), require(hb, m).asBoolean()));
            }
            JsonNode ns = require(require(root, "n-samples"), task);
            tasks.add(new TaskResult(task, type, require(et, "metric").asText(), require(et, "weight").asDouble(),
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
