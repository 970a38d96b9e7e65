package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.eval.LmEvalReader;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Oracle;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval -o} output read the way lm-evaluation-harness's own readers read it ({@link LmEvalReader}). */
class LmEvalCompatTest {
    @TempDir
    Path dir;

    @BeforeEach
    void model() throws IOException {
        Files.createDirectories(dir.resolve("model"));
    }

    private CommandRun eval(String... extra) {
        Suite toy = Suite.load(TestFiles.TOY);
        ModelProvider provider = new ModelProvider(d -> Oracle.of(toy, Set.of("h1", "c1", "c2", "m1", "t4")),
                d -> "f00d" + d.getFileName());
        List<String> args = new ArrayList<>(List.of(dir.resolve("model").toString(), "--suite",
                TestFiles.TOY.toString(), "--no-cache"));
        args.addAll(List.of(extra));
        CommandRun r = CommandRun.of(new EvalCommand(provider), args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r;
    }

    private JsonNode evalJson(String... extra) {
        Path json = dir.resolve("eval-" + extra.length + ".json");
        List<String> args = new ArrayList<>(List.of("-o", json.toString()));
        args.addAll(List.of(extra));
        eval(args.toArray(String[]::new));
        return LmEvalReader.read(json);
    }

    @Test
    void anUndefinedStandardErrorIsNotAvailableAsMakeTableExpects() {
        JsonNode r = evalJson("--limit", "1");
        assertEquals("N/A", r.at("/results/arith/exact_match_stderr,none").asText());
        List<List<String>> rows = LmEvalReader.makeTable(r, "results");
        assertTrue(rows.contains(List.of("arith", "1", "none", "2", "exact_match", "↑", "1.0000", "±", "   N/A")),
                rows.toString());
    }

    @Test
    void everyTopLevelKeyOfLmEvalIsThereAndEvomergesExtrasAreUnderTheirOwnKey() {
        JsonNode r = evalJson();
        for (String key : LmEvalReader.TOP_LEVEL) {
            assertTrue(r.has(key), "missing top-level key " + key);
        }
        assertTrue(r.get("date").isNumber(), "date: a UNIX timestamp");
        assertTrue(r.get("total_evaluation_time_seconds").isTextual(), "lm-eval stores the time as a string");
        double seconds = Double.parseDouble(r.get("total_evaluation_time_seconds").asText());
        assertEquals(r.get("end_time").asDouble() - r.get("start_time").asDouble(), seconds, 1e-6);
        assertEquals(dir.resolve("model").toString(), r.get("model_name").asText());
        assertFalse(r.get("model_name_sanitized").asText().contains("/"));
        assertFalse(r.has("intervals"), "intervals are evomerge's: under evomerge");
        assertEquals("wilson", r.at("/evomerge/intervals/choice/acc/method").asText());
        assertEquals("exact_match", r.at("/evomerge/tasks/arith/metric").asText());
    }

    @Test
    void resultsCarryNameAliasAndSampleLenWhichMakeTableDoesNotPrintAsMetrics() {
        JsonNode r = evalJson("--limit", "2");
        for (String task : List.of("arith", "capitals", "choice", "text")) {
            assertEquals(task, r.at("/results/" + task + "/name").asText());
            assertEquals(task, r.at("/results/" + task + "/alias").asText());
            assertEquals(r.at("/n-samples/" + task + "/effective").asInt(), r.at("/results/" + task + "/sample_len")
                    .asInt());
        }
        List<List<String>> rows = LmEvalReader.makeTable(r, "results");
        assertTrue(rows.stream().noneMatch(row -> Set.of("name", "alias", "sample_len").contains(row.get(4))));
        assertEquals(1 + 1 + 3 + 4, rows.size(), "one row per metric (arith, capitals, choice, text): " + rows);
    }

    @Test
    void configsCarryLmEvalsOutputTypesAndMetricLists() {
        JsonNode r = evalJson();
        assertEquals("generate_until", r.at("/configs/arith/output_type").asText());
        assertEquals("multiple_choice", r.at("/configs/choice/output_type").asText());
        assertEquals("loglikelihood_rolling", r.at("/configs/text/output_type").asText());
        for (var it = r.get("configs").fields(); it.hasNext(); ) {
            var e = it.next();
            List<String> listed = new ArrayList<>();
            for (JsonNode m : LmEvalReader.key(e.getValue(), "metric_list")) {
                listed.add(LmEvalReader.key(m, "metric").asText());
                assertTrue(Set.of("mean", "weighted_perplexity", "bits_per_byte").contains(m.get("aggregation")
                        .asText()), m.toString());
            }
            List<String> reported = new ArrayList<>();
            r.at("/results/" + e.getKey()).fieldNames().forEachRemaining(k -> {
                if (k.endsWith(",none") && !k.contains("_stderr")) {
                    reported.add(k.substring(0, k.length() - ",none".length()));
                }
            });
            assertEquals(reported, listed, e.getKey());
        }
        assertEquals("weighted_perplexity", r.at("/configs/text/metric_list/0/aggregation").asText());
    }

    @Test
    void configCarriesModelArgsBatchSizeAndDevice() {
        JsonNode r = evalJson("--batch-size", "3");
        assertEquals("evomerge", r.at("/config/model").asText());
        assertEquals("pretrained=" + dir.resolve("model"), r.at("/config/model_args").asText());
        assertEquals("3", r.at("/config/batch_size").asText());
        assertEquals("cpu", r.at("/config/device").asText());
        assertTrue(r.at("/config/limit").isNull());
    }

    @Test
    void aDirectoryGetsLmEvalsTimestampedLayoutAndTheLatestFileIsFound() throws Exception {
        Path out = dir.resolve("lm-eval-out");
        eval("-o", out.toString(), "--limit", "1");
        Thread.sleep(5);
        eval("-o", out.toString(), "--limit", "2");
        List<Path> models;
        try (Stream<Path> s = Files.list(out)) {
            models = s.toList();
        }
        assertEquals(1, models.size(), models.toString());
        Path modelDir = models.getFirst();
        assertEquals(dir.resolve("model").toString().replace("/", "__"), modelDir.getFileName().toString());
        Path latest = LmEvalReader.latestResults(modelDir);
        assertTrue(latest.getFileName().toString().matches("results_\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{6}"
                + "\\.json"), latest.toString());
        assertEquals(2, LmEvalReader.read(latest).at("/config/limit").asInt(), "the later run is the latest");
    }

    @Test
    void logSamplesWritesPerExampleJsonlThatZenoReads() {
        Path out = dir.resolve("lm-eval-out");
        CommandRun r = eval("-o", out.toString(), "--log-samples");
        Path modelDir = out.resolve(dir.resolve("model").toString().replace("/", "__"));
        List<String> tasks = LmEvalReader.tasksForModel(modelDir);
        assertEquals(List.of("arith", "capitals", "choice", "text"), tasks);
        JsonNode results = LmEvalReader.read(LmEvalReader.latestResults(modelDir));
        for (String task : tasks) {
            Map<String, List<JsonNode>> columns = LmEvalReader.zeno(modelDir, task);
            assertEquals(results.at("/n-samples/" + task + "/effective").asInt(), columns.values().iterator().next()
                    .size(), task);
            assertNotEquals("", results.at("/task_hashes/" + task).asText(""), task);
        }
        // Per-example values aggregate to the reported scores (mean for accuracy).
        List<JsonNode> acc = LmEvalReader.zeno(modelDir, "choice").get("acc");
        double mean = acc.stream().mapToDouble(JsonNode::asDouble).average().orElseThrow();
        assertEquals(results.at("/results/choice/acc,none").asDouble(), mean, 1e-12);
        JsonNode first = LmEvalReader.read(LmEvalReader.latestResults(modelDir));
        assertTrue(first.has("task_hashes"));
        assertTrue(r.err().contains("samples_choice_"), r.err());
    }

    @Test
    void logSamplesWithoutAnOutputIsAUsageError() {
        Suite toy = Suite.load(TestFiles.TOY);
        ModelProvider provider = new ModelProvider(d -> Oracle.of(toy, Set.of()), d -> "f00d");
        CommandRun r = CommandRun.of(new EvalCommand(provider), dir.resolve("model").toString(), "--suite",
                TestFiles.TOY.toString(), "--no-cache", "--log-samples");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--log-samples needs -o"), r.err());
    }
}
