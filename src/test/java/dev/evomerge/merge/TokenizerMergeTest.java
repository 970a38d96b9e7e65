package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.cli.Main;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * mergekit's tokenizer merge through {@code evomerge merge}: two models whose vocabularies differ (ids swapped, a token
 * only one has, an added token at different ids), merged on a union, the base's and a model's vocabulary. Every
 * expected row is found by token text in the sources and computed here in double, independently of the engine.
 */
class TokenizerMergeTest {
    private static final int HIDDEN = 16;
    private static final String EMBED = "model.embed_tokens.weight";
    private static final String HEAD = "lm_head.weight";

    @TempDir
    static Path dir;

    /** Regular tokens and added tokens of each model, text to id. */
    private static final Map<String, Integer> BASE = Map.of("a", 0, "b", 1, "c", 2, "d", 3, "e", 4);
    private static final Map<String, Integer> BASE_ADDED = Map.of("<s>", 5);
    private static final Map<String, Integer> X = Map.of("a", 0, "c", 1, "b", 2, "x", 3, "d", 4, "e", 5);
    private static final Map<String, Integer> X_ADDED = Map.of("<s>", 6);

    @BeforeAll
    static void models() throws IOException {
        write("base", BASE, BASE_ADDED, 11);
        write("x", X, X_ADDED, 12);
        Files.writeString(dir.resolve("base/tokenizer_config.json"), "{\"model_max_length\": 64, \"added_tokens_decoder\":"
                + " {\"5\": {\"content\": \"<s>\", \"special\": true}}}");
        Files.writeString(dir.resolve("base/chat_template.jinja"), "{{ messages }}");
    }

    private static void write(String name, Map<String, Integer> vocab, Map<String, Integer> added, long seed)
            throws IOException {
        int rows = vocab.size() + added.size();
        var dims = new SyntheticCheckpoints.Dims(rows, HIDDEN, 24, 1, 4, 2, false, false);
        SyntheticCheckpoints.Model.base(dims, DType.F32, seed).write(dir.resolve(name), Long.MAX_VALUE, 1);
        StringBuilder v = new StringBuilder();
        vocab.forEach((t, id) -> v.append(v.isEmpty() ? "" : ", ").append('"').append(t).append("\": ").append(id));
        StringBuilder a = new StringBuilder();
        added.forEach((t, id) -> a.append(a.isEmpty() ? "" : ", ").append("{\"id\": ").append(id)
                .append(", \"content\": \"").append(t).append("\", \"single_word\": false, \"lstrip\": false,"
                + " \"rstrip\": false, \"normalized\": false, \"special\": true}"));
        Files.writeString(dir.resolve(name).resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": [" + a
                + "], \"model\": {\"type\": \"BPE\", \"vocab\": {" + v + "}, \"merges\": []}}");
    }

    private static String merge(String yaml, String out) throws IOException {
        Path recipe = dir.resolve(out + ".yaml");
        Files.writeString(recipe, yaml);
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("merge", recipe.toString(), dir.resolve(out).toString(), "-q");
        assertEquals(0, code, err.toString());
        return err.toString();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    /** Row {@code id} of {@code tensor} in model {@code name}, in double. */
    private static double[] row(String name, String tensor, int id) {
        try (Checkpoint c = Checkpoint.open(dir.resolve(name))) {
            float[] f = new float[HIDDEN];
            c.readFloats(tensor, (long) id * HIDDEN, f, 0, HIDDEN);
            double[] d = new double[HIDDEN];
            for (int i = 0; i < HIDDEN; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }

    private static Integer id(Map<String, Integer> vocab, Map<String, Integer> added, String token) {
        return vocab.containsKey(token) ? vocab.get(token) : added.get(token);
    }

    private static double[] avg(double[] p, double[] q) {
        double[] r = new double[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            r[i] = 0.5 * p[i] + 0.5 * q[i];
        }
        return r;
    }

    private static void assertRow(double[] want, float[] got, int id, String what) {
        for (int i = 0; i < HIDDEN; i++) {
            assertEquals(want[i], got[(int) ((long) id * HIDDEN + i)], 1e-6 + 1e-6 * Math.abs(want[i]),
                    what + " row " + id + "[" + i + "]");
        }
    }

    @Test
    void unionRowsFollowTheTokensWithDonorForcedZeroAndPaddingRows() throws IOException {
        merge("""
                merge_method: linear
                base_model: base
                models:
                  - model: base
                    parameters: {weight: 0.5}
                  - model: x
                    parameters: {weight: 0.5}
                tokenizer:
                  source: union
                  tokens:
                    a: {source: x, force: true}
                    new: {source: {kind: zero}}
                  pad_to_multiple_of: 5
                dtype: float32
                """, "union");
        Path out = dir.resolve("union");
        // Base ids 0..5 kept; x's "x" appended (6), then the recipe's "new" (7); 8 tokens padded to 10 rows.
        JsonNode tok = json(out.resolve("tokenizer.json"));
        Map<String, Integer> added = new LinkedHashMap<>();
        tok.path("added_tokens").forEach(t -> added.put(t.path("content").asText(), t.path("id").asInt()));
        assertEquals(Map.of("<s>", 5, "x", 6, "new", 7), added);
        assertEquals(false, tok.path("added_tokens").get(1).path("special").asBoolean());
        JsonNode cfg = json(out.resolve("tokenizer_config.json"));
        assertEquals("x", cfg.path("added_tokens_decoder").path("6").path("content").asText());
        assertEquals("new", cfg.path("added_tokens_decoder").path("7").path("content").asText());
        assertEquals("{{ messages }}", cfg.path("chat_template").asText(), "the .jinja template is kept");
        assertEquals(10, json(out.resolve("config.json")).path("vocab_size").asInt());

        // The output loads: config, rows and tokenizer agree (the runtime checks ids against vocab_size).
        try (LlamaModel m = LlamaModel.load(out, RuntimeOptions.defaults().withIntraOpThreads(1));
             TextTokenizer t = TextTokenizer.load(out)) {
            assertEquals(10, m.logits(List.of(new int[] {0, 6, 7, 9}))[0][3].length);
            assertEquals(List.of(6, 7), java.util.Arrays.stream(t.encode("x new")).boxed().toList());
        }
        try (Checkpoint c = Checkpoint.open(out)) {
            for (String tensor : List.of(EMBED, HEAD)) {
                assertEquals(List.of(10L, (long) HIDDEN), List.of(c.info(tensor).dim(0), c.info(tensor).dim(1)));
                float[] got = c.readFloats(tensor);
                double[][] baseRows = new double[8][];
                double[][] xRows = new double[8][];
                for (String t : List.of("b", "c", "d", "e", "<s>")) {
                    int o = id(BASE, BASE_ADDED, t);
                    baseRows[o] = row("base", tensor, o);
                    xRows[o] = row("x", tensor, id(X, X_ADDED, t));
                    assertRow(avg(baseRows[o], xRows[o]), got, o, tensor + " shared token " + t);
                }
                // forced: every model takes x's row of "a"
                baseRows[0] = xRows[0] = row("x", tensor, X.get("a"));
                assertRow(baseRows[0], got, 0, tensor + " forced token a");
                // only x has "x": the base gets x's row (donor rule)
                baseRows[6] = xRows[6] = row("x", tensor, X.get("x"));
                assertRow(baseRows[6], got, 6, tensor + " donor token x");
                baseRows[7] = xRows[7] = new double[HIDDEN];
                assertRow(new double[HIDDEN], got, 7, tensor + " zero token new");
                double[] mean = new double[HIDDEN];
                for (int id = 0; id < 8; id++) {
                    for (int i = 0; i < HIDDEN; i++) {
                        mean[i] += (0.5 * baseRows[id][i] + 0.5 * xRows[id][i]) / 8;
                    }
                }
                assertRow(mean, got, 8, tensor + " padding");
                assertRow(mean, got, 9, tensor + " padding");
            }
        }
    }

    @Test
    void baseVocabularyTakesEachModelsRowOfTheSameToken() throws IOException {
        String warnings = merge("""
                merge_method: linear
                models:
                  - model: base
                    parameters: {weight: 0.5}
                  - model: x
                    parameters: {weight: 0.5}
                tokenizer_source: base
                dtype: float32
                """, "on-base");
        assertEquals("", warnings.strip());
        Path out = dir.resolve("on-base");
        assertEquals(Files.readString(dir.resolve("base/tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));
        assertEquals(6, json(out.resolve("config.json")).path("vocab_size").asInt());
        try (Checkpoint c = Checkpoint.open(out)) {
            float[] got = c.readFloats(EMBED);
            assertEquals(6 * HIDDEN, got.length);
            for (String t : List.of("a", "b", "c", "d", "e", "<s>")) {
                int o = id(BASE, BASE_ADDED, t);
                assertRow(avg(row("base", EMBED, o), row("x", EMBED, id(X, X_ADDED, t))), got, o, "token " + t);
            }
        }
    }

    @Test
    void aModelsVocabularyGivesTheBaseRowsWhereOnlyTheBaseLacksAToken() throws IOException {
        merge("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: x
                    parameters: {weight: 1.0}
                tokenizer_source: x
                dtype: float32
                """, "on-x");
        Path out = dir.resolve("on-x");
        assertEquals(7, json(out.resolve("config.json")).path("vocab_size").asInt());
        try (Checkpoint c = Checkpoint.open(out)) {
            float[] got = c.readFloats(EMBED);
            // base + 1.0 * (x - base) = x's own rows, at x's ids; "x" is x's (the base takes x's row as donor)
            for (String t : List.of("a", "b", "c", "x", "d", "e", "<s>")) {
                int o = id(X, X_ADDED, t);
                assertRow(row("x", EMBED, o), got, o, "token " + t);
            }
        }
    }

    @Test
    void differentVocabulariesWithoutATokenizerSettingNameTheOption() throws IOException {
        Path recipe = dir.resolve("no-setting.yaml");
        Files.writeString(recipe, "merge_method: linear\nmodels:\n  - model: base\n    parameters: {weight: 1}\n"
                + "  - model: x\n    parameters: {weight: 1}\n");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(3, cl.execute("merge", recipe.toString(), dir.resolve("no-setting").toString()));
        assertTrue(err.toString().contains("set tokenizer_source: union"), err.toString());
    }
}
