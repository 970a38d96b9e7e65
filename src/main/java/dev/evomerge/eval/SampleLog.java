package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.io.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-example records as lm-evaluation-harness's {@code --log_samples} writes them ({@code samples_TASK_DATE.jsonl}):
 * {@code doc_id}, {@code doc}, {@code target}, {@code arguments} ({@code gen_args_N} → {@code arg_M}),
 * {@code resps}, {@code filtered_resps}, {@code filter}, {@code metrics}, one key per metric with the example's
 * value, and SHA-256 hashes of the document, the first prompt and the target. Per-example values follow lm-eval's
 * aggregations: 1.0/0.0 for means, a {@code [log-likelihood, units]} pair for the ratio metrics (perplexities,
 * bits per byte). Filled by {@link SuiteRunner} when asked; never cached.
 */
public final class SampleLog {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Map<String, List<ObjectNode>> byTask = new LinkedHashMap<>();

    /** The records of every task scored so far, in scoring order. */
    public Map<String, List<ObjectNode>> samples() {
        Map<String, List<ObjectNode>> copy = new LinkedHashMap<>();
        byTask.forEach((k, v) -> copy.put(k, Collections.unmodifiableList(v)));
        return Collections.unmodifiableMap(copy);
    }

    /** lm-eval's {@code task_hashes} entry: the hash of every record's document, prompt and target hashes in order. */
    public String taskHash(String task) {
        StringBuilder all = new StringBuilder();
        for (ObjectNode s : byTask.getOrDefault(task, List.of())) {
            all.append(s.get("doc_hash").asText()).append(s.get("prompt_hash").asText())
                    .append(s.get("target_hash").asText());
        }
        return sha(all.toString());
    }

    /** One task's records as JSON lines. */
    public byte[] jsonl(String task) {
        StringBuilder b = new StringBuilder();
        for (ObjectNode s : byTask.getOrDefault(task, List.of())) {
            b.append(s.toString()).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code requests}: each request's arguments in order (context and continuation, or the prompt and limits). */
    void add(String task, int docId, Example e, String target, List<List<JsonNode>> requests, ArrayNode resps,
            ArrayNode filteredResps, Map<String, JsonNode> metrics) {
        ObjectNode s = NODES.objectNode();
        s.put("doc_id", docId);
        ObjectNode doc = e.fields();
        s.set("doc", doc);
        s.put("target", target);
        ObjectNode arguments = s.putObject("arguments");
        for (int i = 0; i < requests.size(); i++) {
            ObjectNode args = arguments.putObject("gen_args_" + i);
            for (int j = 0; j < requests.get(i).size(); j++) {
                args.set("arg_" + j, requests.get(i).get(j));
            }
        }
        s.set("resps", resps);
        s.set("filtered_resps", filteredResps);
        s.put("filter", "none");
        ArrayNode names = s.putArray("metrics");
        metrics.keySet().forEach(names::add);
        metrics.forEach(s::set);
        s.put("doc_hash", sha(doc.toPrettyString()));
        s.put("prompt_hash", sha(requests.getFirst().getFirst().asText()));
        s.put("target_hash", sha(target));
        byTask.computeIfAbsent(task, k -> new ArrayList<>()).add(s);
    }

    static JsonNode text(String s) {
        return NODES.textNode(s);
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    private static String sha(String s) {
        return Sha256.of(s.getBytes(StandardCharsets.UTF_8));
    }
}
