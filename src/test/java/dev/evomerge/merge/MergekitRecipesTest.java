package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Recipes written as mergekit's examples and tests write them (issue 15): each merges as mergekit merges it, or is
 * refused in one line. Outputs are compared byte for byte with the same merge written without the feature.
 */
class MergekitRecipesTest {
    private static final SyntheticCheckpoints.Dims DIMS = new SyntheticCheckpoints.Dims(40, 16, 24, 3, 4, 2, false, false);
    private static final String BASE_JINJA = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}";
    private static final String TUNED_JINJA = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}";

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, DType.F32, 5);
        base.write(dir.resolve("base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.5).write(dir.resolve("a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.5).write(dir.resolve("b"), Long.MAX_VALUE, 1);
        base.fineTune(3, 0.5).write(dir.resolve("c"), Long.MAX_VALUE, 1);
        for (String m : List.of("base", "a", "b")) {
            Files.writeString(dir.resolve(m).resolve("tokenizer.json"), tokenizerJson(false));
        }
        Files.writeString(dir.resolve("c/tokenizer.json"), tokenizerJson(true));
        for (String m : List.of("padded-a", "padded-b")) {
            base.fineTune(m.length() + m.charAt(7), 0.5).write(dir.resolve(m), Long.MAX_VALUE, 1);
            Files.writeString(dir.resolve(m).resolve("tokenizer.json"),
                    tokenizerJson(false).replace(", \"t38\": 38", "").replace(", \"t37\": 37", ""));
        }
        Files.writeString(dir.resolve("base/tokenizer_config.json"),
                "{\"model_max_length\": 128, \"chat_template\": \"{{ messages }} (overridden by the .jinja)\"}");
        Files.writeString(dir.resolve("base/chat_template.jinja"), BASE_JINJA);
        Files.writeString(dir.resolve("a/chat_template.jinja"), TUNED_JINJA);
        Files.writeString(dir.resolve("b/chat_template.jinja"), TUNED_JINJA + "\n");
    }

    /** A BPE tokenizer.json of 39 tokens and one added token; {@code swapped} exchanges two ids. */
    private static String tokenizerJson(boolean swapped) {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < DIMS.vocab() - 1; i++) {
            int id = swapped && i < 2 ? 1 - i : i;
            vocab.append(i == 0 ? "" : ", ").append("\"t").append(i).append("\": ").append(id);
        }
        return "{\"version\": \"1.0\", \"added_tokens\": [{\"id\": " + (DIMS.vocab() - 1) + ", \"content\": \"<|end|>\","
                + " \"special\": true}], \"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": []}}";
    }

    record Run(int exit, String out, String err) {
    }

    private static Run merge(String yaml, String outName) throws IOException {
        Path recipe = dir.resolve(outName + ".yaml");
        Files.writeString(recipe, yaml);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("merge", recipe.toString(), dir.resolve(outName).toString(), "-q");
        return new Run(code, out.toString(), err.toString());
    }

    private static Run ok(String yaml, String outName) throws IOException {
        Run r = merge(yaml, outName);
        assertEquals(0, r.exit(), r.err());
        return r;
    }

    private static void refused(String yaml, String outName, String expected) throws IOException {
        Run r = merge(yaml, outName);
        assertEquals(3, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(Files.exists(dir.resolve(outName)), "nothing is written on bad input");
    }

    private static void assertSameWeights(String x, String y) throws IOException {
        assertArrayEquals(Files.readAllBytes(dir.resolve(x).resolve("model.safetensors")),
                Files.readAllBytes(dir.resolve(y).resolve("model.safetensors")), x + " vs " + y);
    }

    private static List<String> warnings(Run r) {
        return r.err().lines().filter(l -> l.startsWith("warning: ")).toList();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    // ---- weight under slerp / model_stock: ignored with a warning, as mergekit ignores it ----

    @Test
    void weightUnderSlerpIsIgnoredWithOneWarningNamingWhereItIs() throws IOException {
        Run weighted = ok("""
                merge_method: slerp
                base_model: base
                models:
                  - model: base
                    parameters:
                      weight: 0.5
                  - model: a
                    parameters:
                      weight: 0.5
                parameters:
                  t: 0.35
                dtype: float32
                """, "slerp-weighted");
        ok("merge_method: slerp\nbase_model: base\nmodels:\n  - model: base\n  - model: a\nparameters:\n  t: 0.35\n"
                + "dtype: float32\n", "slerp-plain");
        assertSameWeights("slerp-weighted", "slerp-plain");
        assertEquals(List.of("warning: " + dir.resolve("slerp-weighted.yaml") + ": models[0].parameters.weight,"
                + " models[1].parameters.weight: 'weight' is ignored: merge method slerp takes no weight (mergekit"
                + " ignores it too)"), warnings(weighted));
    }

    @Test
    void weightUnderModelStockIsIgnoredWithAWarning() throws IOException {
        Run weighted = ok("""
                merge_method: model_stock
                base_model: base
                models:
                  - model: a
                    parameters:
                      weight: 1.0
                  - model: b
                    parameters:
                      weight: 1.0
                dtype: float32
                """, "stock-weighted");
        ok("merge_method: model_stock\nbase_model: base\nmodels:\n  - model: a\n  - model: b\ndtype: float32\n",
                "stock-plain");
        assertSameWeights("stock-weighted", "stock-plain");
        assertEquals(1, warnings(weighted).size(), weighted.err());
        assertTrue(warnings(weighted).getFirst().contains("models[0].parameters.weight, models[1].parameters.weight:"
                + " 'weight' is ignored: merge method model_stock"), weighted.err());
    }

    @Test
    void otherUnknownNamesUnderSlerpAreStillRefused() throws IOException {
        refused("merge_method: slerp\nbase_model: base\nmodels:\n  - model: base\n  - model: a\n"
                + "    parameters: {density: 0.5}\nparameters: {t: 0.5}\n", "slerp-density",
                "models[1].parameters.density: 'density' is not a parameter of merge method slerp");
    }

    // ---- YAML anchors and aliases; multi-document files ----

    @Test
    void aRecipeWithAnchorsMergesAsTheRecipeWrittenOut() throws IOException {
        ok("""
                merge_method: task_arithmetic
                base_model: &base base
                models:
                  - model: a
                    parameters: &p
                      weight: 0.7
                  - model: b
                    parameters: *p
                parameters:
                  normalize: false
                """, "anchors");
        ok("merge_method: task_arithmetic\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 0.7}\n"
                + "  - model: b\n    parameters: {weight: 0.7}\nparameters:\n  normalize: false\n", "anchors-plain");
        assertSameWeights("anchors", "anchors-plain");
    }

    @Test
    void aMultiDocumentFileIsOneLine() throws IOException {
        refused("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1.0}
                ---
                merge_method: linear
                models:
                  - model: b
                    parameters: {weight: 1.0}
                """, "multi", "holds more than one YAML document");
    }

    // ---- tokenizer source base when the models share a tokenizer ----

    private static final String TIES = """
            merge_method: ties
            base_model: base
            models:
              - model: a
                parameters: {weight: 0.6, density: 0.5}
              - model: b
                parameters: {weight: 0.4, density: 0.5}
            dtype: float32
            """;

    @Test
    void tokenizerSourceBaseWithASharedVocabularyMergesAsWithoutIt() throws IOException {
        ok(TIES, "ties-plain");
        Run block = ok(TIES + "tokenizer:\n  source: base\n", "ties-tokenizer-block");
        Run legacy = ok(TIES + "tokenizer_source: base\n", "ties-tokenizer-source");
        assertSameWeights("ties-tokenizer-block", "ties-plain");
        assertSameWeights("ties-tokenizer-source", "ties-plain");
        assertEquals(List.of(), warnings(block));
        assertEquals(List.of(), warnings(legacy));
        assertEquals(Files.readString(dir.resolve("base/tokenizer.json")),
                Files.readString(dir.resolve("ties-tokenizer-block/tokenizer.json")));
    }

    /** Ids that no token has (a vocabulary with holes) keep each model's own rows. */
    @Test
    void embeddingRowsOfIdsWithoutATokenAreKept() throws IOException {
        Run r = ok("merge_method: linear\nmodels:\n  - model: padded-a\n    parameters: {weight: 1}\n"
                + "  - model: padded-b\n    parameters: {weight: 1}\ntokenizer_source: padded-a\n", "padded");
        ok("merge_method: linear\nmodels:\n  - model: padded-a\n    parameters: {weight: 1}\n"
                + "  - model: padded-b\n    parameters: {weight: 1}\n", "padded-plain");
        assertEquals(List.of(), warnings(r));
        assertSameWeights("padded", "padded-plain");
        assertEquals(40, json(dir.resolve("padded/config.json")).path("vocab_size").asInt());
    }

    /** A model whose tokenizer numbers the tokens differently is permuted onto the base's ids (TokenizerMergeTest). */
    @Test
    void tokenizerSourceWithADifferentVocabularyPermutesItsRows() throws IOException {
        String withC = TIES.replace("  - model: b", "  - model: c");
        ok(withC + "tokenizer:\n  source: base\n", "ties-vocab-block");
        ok(withC + "tokenizer_source: base\n", "ties-vocab-legacy");
        assertSameWeights("ties-vocab-block", "ties-vocab-legacy");
        assertEquals(Files.readString(dir.resolve("base/tokenizer.json")),
                Files.readString(dir.resolve("ties-vocab-block/tokenizer.json")));
    }

    @Test
    void aUnionOfSharedVocabulariesAndUnforcedTokenSourcesChangeNothing() throws IOException {
        ok(TIES, "ties-plain-2");
        ok(TIES + "tokenizer:\n  source: union\n", "ties-union");
        ok(TIES + "tokenizer:\n  source: base\n  tokens:\n    <|end|>:\n      source: a\n", "ties-tokens");
        assertSameWeights("ties-union", "ties-plain-2");
        assertSameWeights("ties-tokens", "ties-plain-2");
        refused(TIES + "tokenizer:\n  source: base\n  tokens:\n    <|end|>:\n      source: c\n      force: true\n",
                "ties-tokens-c", "tokenizer.tokens.<|end|>.source: model 'c' is not an input of tensor");
    }

    // ---- chat_template ----

    private static final String LINEAR = """
            merge_method: linear
            models:
              - model: base
                parameters: {weight: 0.5}
              - model: a
                parameters: {weight: 0.5}
            """;

    @Test
    void withoutChatTemplateTheSourcesTemplateFileIsCopied() throws IOException {
        ok(LINEAR, "template-none");
        Path out = dir.resolve("template-none");
        assertEquals(BASE_JINJA, Files.readString(out.resolve("chat_template.jinja")));
        assertEquals(Files.readString(dir.resolve("base/tokenizer_config.json")),
                Files.readString(out.resolve("tokenizer_config.json")));
    }

    @Test
    void aTemplateStringIsWrittenToTokenizerConfig() throws IOException {
        String template = "{% for message in messages %}{{ message['content'] }}{% endfor %}";
        ok(LINEAR + "chat_template: \"" + template + "\"\n", "template-string");
        Path out = dir.resolve("template-string");
        JsonNode config = json(out.resolve("tokenizer_config.json"));
        assertEquals(template, config.path("chat_template").asText());
        assertEquals(128, config.path("model_max_length").asInt(), "the source's other settings are kept");
        assertFalse(Files.exists(out.resolve("chat_template.jinja")), "the source's template would take precedence");
        ok(LINEAR, "template-string-plain");
        assertSameWeights("template-string", "template-string-plain");
    }

    @Test
    void autoTakesTheTemplateMostModelsCarry() throws IOException {
        ok("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: b
                    parameters: {weight: 0.5}
                chat_template: auto
                """, "template-auto");
        assertEquals(TUNED_JINJA, json(dir.resolve("template-auto/tokenizer_config.json")).path("chat_template").asText());
    }

    @Test
    void aBuiltInNameAndATemplateFileAreResolved() throws IOException {
        ok(LINEAR + "chat_template: chatml\n", "template-chatml");
        String chatml = json(dir.resolve("template-chatml/tokenizer_config.json")).path("chat_template").asText();
        assertTrue(chatml.contains("'<|im_start|>' + message['role']") && chatml.contains("<|im_end|>"), chatml);

        Files.writeString(dir.resolve("my-template.jinja"), TUNED_JINJA);
        ok(LINEAR + "chat_template: my-template.jinja\n", "template-file");
        assertEquals(TUNED_JINJA, json(dir.resolve("template-file/tokenizer_config.json")).path("chat_template").asText());
    }

    @Test
    void anUnknownBuiltInNameIsRefusedListingWhatIsSupported() throws IOException {
        refused(LINEAR + "chat_template: llama3\n", "template-unknown", "chat_template: 'llama3' is not a template"
                + " evomerge knows (supported: auto, chatml, a Jinja template string, or the path of a template file)");
    }
}
