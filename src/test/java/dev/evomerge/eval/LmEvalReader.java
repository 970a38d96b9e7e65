package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What lm-evaluation-harness's own readers expect of its results files, written from their code (lm_eval/utils.py
 * {@code make_table}, {@code get_results_filenames}, {@code get_latest_filename}, {@code get_file_datetime};
 * scripts/zeno_visualize.py; lm_eval/result_schema.py), read at commit 4e7e0d47 (2026-08-21). Where Python would
 * raise (KeyError, TypeError on {@code f"{se:.4f}"}), this throws {@link Incompatible}.
 */
public final class LmEvalReader {
    /** Python would raise here: the message says what and where. */
    public static final class Incompatible extends RuntimeException {
        Incompatible(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Boolean, String> HIGHER_IS_BETTER_SYMBOLS = Map.of(true, "↑", false, "↓");

    private LmEvalReader() {}

    /** The top-level keys of result_schema.py's EvalResults written by simple_evaluate and the tracker. */
    public static final List<String> TOP_LEVEL = List.of("results", "groups", "group_subtasks", "configs", "versions",
            "n-shot", "higher_is_better", "n-samples", "config", "git_hash", "date", "task_hashes", "model_source",
            "model_name", "model_name_sanitized", "start_time", "end_time", "total_evaluation_time_seconds");

    /** make_table's rows: Tasks, Version, Filter, n-shot, Metric, ↑/↓, Value, ±, Stderr. */
    public static List<List<String>> makeTable(JsonNode resultDict, String column) {
        List<List<String>> rows = new ArrayList<>();
        JsonNode table = key(resultDict, column);
        JsonNode versions = key(resultDict, "versions");
        for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            Map<String, JsonNode> dic = new TreeMap<>();
            table.get(k).fields().forEachRemaining(e -> dic.put(e.getKey(), e.getValue()));
            String version = versions.has(k) ? str(versions.get(k)) : "    N/A";
            JsonNode nshot = resultDict.path("n-shot");
            String n = nshot.has(k) ? str(nshot.get(k)) : " ";
            JsonNode hibs = resultDict.path("higher_is_better").path(k);
            String display = dic.containsKey("alias") ? str(dic.remove("alias")) : k;
            dic.remove("name");
            dic.remove("sample_len");
            dic.remove("sample_count");
            for (Map.Entry<String, JsonNode> e : dic.entrySet()) {
                String mf = e.getKey();
                int comma = mf.indexOf(',');
                String m = comma < 0 ? mf : mf.substring(0, comma);
                String f = comma < 0 ? "" : mf.substring(comma + 1);
                if (m.endsWith("_stderr")) {
                    continue;
                }
                JsonNode hib = hibs.get(m);
                String symbol = hib != null && hib.isBoolean() ? HIGHER_IS_BETTER_SYMBOLS.get(hib.asBoolean()) : "";
                JsonNode v = e.getValue();
                String value = v.isDouble() ? format4(v.asDouble()) : str(v);
                JsonNode se = dic.get(m + "_stderr," + f);
                if (se != null) {
                    String seText;
                    if (se.isTextual() && se.asText().equals("N/A")) {
                        seText = "   N/A";
                    } else if (se.isNumber()) {
                        seText = format4(se.asDouble());
                    } else {
                        throw new Incompatible("make_table: f\"{se:.4f}\" raises TypeError on " + column + "." + k
                                + "." + m + "_stderr," + f + " = " + se);
                    }
                    rows.add(List.of(display, version, f, n, m, symbol, value, "±", seText));
                } else {
                    rows.add(List.of(display, version, f, n, m, symbol, value, "", ""));
                }
                display = "";
            }
        }
        return rows;
    }

    /** get_results_filenames then get_latest_filename over a model directory's files. */
    public static Path latestResults(Path modelDir) {
        return latest(files(modelDir).stream().filter(f -> f.contains("/results_") && f.contains(".json")).toList());
    }

    /** get_sample_results_filenames, those naming the task, then the latest. */
    public static Path latestSamples(Path modelDir, String task) {
        return latest(files(modelDir).stream().filter(f -> f.contains("/samples_") && f.contains(".json"))
                .filter(f -> Path.of(f).getFileName().toString().contains(task)).toList());
    }

    /** zeno_visualize's tasks_for_model: the keys of the latest results' configs. */
    public static List<String> tasksForModel(Path modelDir) {
        List<String> tasks = new ArrayList<>();
        key(read(latestResults(modelDir)), "configs").fieldNames().forEachRemaining(tasks::add);
        return tasks;
    }

    /**
     * zeno_visualize's main loop for one model and task: config.model_args, configs[task] with its metric_list, and
     * the samples file read by generate_dataset and generate_system_df. Returns the system frame's metric columns.
     */
    public static Map<String, List<JsonNode>> zeno(Path modelDir, String task) {
        JsonNode results = read(latestResults(modelDir));
        JsonNode modelArgs = key(key(results, "config"), "model_args");
        if (!modelArgs.isTextual() && !modelArgs.isObject()) {
            throw new Incompatible("sanitize_string: re.sub on config.model_args = " + modelArgs);
        }
        List<JsonNode> data = new ArrayList<>();
        try (Stream<String> lines = Files.lines(latestSamples(modelDir, task))) {
            lines.forEach(l -> data.add(parse(l.strip())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode config = key(key(results, "configs"), task);
        String outputType = key(config, "output_type").asText();
        for (JsonNode x : data) {
            key(x, "doc_id");
            key(x, "target");
            JsonNode args0 = key(key(x, "arguments"), "gen_args_0");
            switch (outputType) {
                case "multiple_choice" -> {
                    key(args0, "arg_0");
                    for (JsonNode choice : key(x, "filtered_resps")) {
                        if (!choice.isArray() || choice.isEmpty()) {
                            throw new Incompatible("generate_system_df: y[0] of filtered_resps item " + choice);
                        }
                    }
                }
                case "loglikelihood_rolling", "generate_until" -> {
                    key(args0, "arg_0");
                    if (key(x, "filtered_resps").isEmpty()) {
                        throw new Incompatible("generate_system_df: filtered_resps[0] of an empty list");
                    }
                }
                default -> throw new Incompatible("zeno_visualize knows no output_type " + outputType);
            }
        }
        Map<String, List<JsonNode>> columns = new TreeMap<>();
        for (JsonNode metric : key(config, "metric_list")) {
            String name = key(metric, "metric").asText();
            List<JsonNode> column = new ArrayList<>();
            for (JsonNode x : data) {
                column.add(key(x, name));
            }
            columns.put(name, column);
        }
        return columns;
    }

    public static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Python's {@code d[k]}: a KeyError when absent. */
    public static JsonNode key(JsonNode node, String k) {
        JsonNode v = node.get(k);
        if (v == null) {
            throw new Incompatible("KeyError: '" + k + "'");
        }
        return v;
    }

    private static Path latest(List<String> names) {
        // get_latest_filename: max by get_file_datetime, the text after the last '_' without ".jsonl".
        return names.stream().max(Comparator.comparing((String f) -> f.substring(f.lastIndexOf('_') + 1)
                .replace(".jsonl", ""))).map(Path::of)
                .orElseThrow(() -> new Incompatible("ValueError: max() arg is an empty sequence"));
    }

    private static List<String> files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().toString().replace('\\', '/')).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new Incompatible("json.loads: " + e.getMessage());
        }
    }

    private static String str(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    private static String format4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
