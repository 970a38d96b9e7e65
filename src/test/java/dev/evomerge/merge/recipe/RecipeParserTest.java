package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.evomerge.UserError;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecipeParserTest {

    static Path resource(String name) {
        try {
            return Path.of(RecipeParserTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String error(String yaml) {
        UserError e = assertThrows(UserError.class, () -> RecipeParser.parse(yaml, "recipe.yaml"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static final String SLICE_HEAD = """
            merge_method: slerp
            slices:
              - sources:
                  - model: a
                    layer_range: [0, 8]
                  - model: b
            """;

    @ParameterizedTest
    @ValueSource(strings = {"ties-gradients.yml", "gradient-slerp.yml", "passthrough-stack.yml", "linear-soup.yml",
            "dare-seeded.yml"})
    void mergekitStyleExamplesParseAndRoundTrip(String name) {
        Recipe r = RecipeParser.parse(resource(name));
        assertEquals(r, RecipeParser.parse(r.toYaml(), name + " (re-emitted)"));
    }

    @Test
    void tiesExampleReadsEveryValueShape() {
        Recipe r = RecipeParser.parse(resource("ties-gradients.yml"));
        assertEquals("ties", r.mergeMethod());
        assertEquals(new ModelRef("base-7b"), r.baseModel());
        assertEquals(3, r.models().size());
        assertEquals(Gradient.of(0.9, 0.6, 0.2), r.models().get(0).parameters().get("density"));
        assertEquals(Scalar.of(0.8), r.models().get(0).parameters().get("weight"));
        assertEquals(Gradient.of(0.1, 0.4, 0.6, 0.9), r.models().get(1).parameters().get("weight"));
        assertEquals(Filtered.of(Filtered.Entry.when("mlp", Scalar.of(0.6)), Filtered.Entry.otherwise(Scalar.of(0.0))),
                r.models().get(2).parameters().get("weight"));
        assertEquals(Map.of("normalize", Scalar.of(true), "int8_mask", Scalar.of(true)), r.parameters());
        assertEquals("bfloat16", r.dtype());
        assertFalse(r.isSliced());
        assertNull(r.seed());
    }

    @Test
    void slerpExampleReadsFilteredGradients() {
        Recipe r = RecipeParser.parse(resource("gradient-slerp.yml"));
        assertTrue(r.isSliced());
        Slice s = r.slices().getFirst();
        assertEquals(36, s.length());
        assertEquals(new SliceSource(new ModelRef("right-13b"), 0, 36), s.sources().get(1));
        Filtered t = (Filtered) r.parameters().get("t");
        assertEquals(Filtered.Entry.when("self_attn", Gradient.of(0, 0.4, 0.2, 0.8, 1)), t.entries().get(0));
        assertEquals(Filtered.Entry.otherwise(Scalar.of(0.45)), t.entries().get(2));
    }

    @Test
    void extensionAndTokenizerKeysAreRead() {
        Recipe r = RecipeParser.parse(resource("dare-seeded.yml"));
        assertEquals(1234L, r.seed());
        assertEquals(TokenizerSource.UNION, r.tokenizerSource());
        assertEquals("chatml", r.chatTemplate());
        assertEquals("bfloat16", r.outDtype());
        assertEquals(List.of(new ModelRef("./base"), new ModelRef("./instruct"), new ModelRef("/abs/models/medical")),
                r.referencedModels());
    }

    @Test
    void parameterUsesNameTheirPaths() {
        Recipe r = RecipeParser.parse(resource("linear-soup.yml"));
        assertEquals(new Recipe.ParameterUse("models[1].parameters.weight", "weight", true), r.parameterUses().get(1));
        Recipe s = RecipeParser.parse(resource("gradient-slerp.yml"));
        assertEquals(List.of(new Recipe.ParameterUse("parameters.t", "t", false)), s.parameterUses());
    }

    @Test
    void numbersAreCoercedAsMergekitDoes() {
        Recipe r = RecipeParser.parse("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1e-5, density: "0.5", scale: 3, flag: yes, off_flag: off, g: [1, true, 0.5]}
                """, "r");
        Map<String, ParameterValue> p = r.models().getFirst().parameters();
        assertEquals(Scalar.of(1e-5), p.get("weight"));
        assertEquals(Scalar.of(0.5), p.get("density"));
        assertEquals(Scalar.of(3.0), p.get("scale"));
        assertEquals(Scalar.of(true), p.get("flag"));
        assertEquals(Scalar.of(false), p.get("off_flag"));
        assertEquals(Gradient.of(1, 1, 0.5), p.get("g"));
    }

    @Test
    void torchDtypeSpellingIsAccepted() {
        Recipe r = RecipeParser.parse("merge_method: m\nmodels: [{model: a}]\nout_dtype: torch.float16\n", "r");
        assertEquals("torch.float16", r.outDtype());
    }

    @Test
    void textParametersAreKept() {
        Recipe r = RecipeParser.parse("merge_method: m\nmodels: [{model: a}]\nparameters: {mode: ramp}\n", "r");
        assertEquals(Scalar.of("ramp"), r.parameters().get("mode"));
    }

    @Test
    void tokenizerBlockIsRead() {
        Recipe r = RecipeParser.parse("""
                merge_method: linear
                models: [{model: a}, {model: b}]
                tokenizer:
                  source: base
                  tokens:
                    "<|im_start|>":
                      source: chatml-model
                    "<|eot_id|>":
                      source: llama-model
                      force: true
                    "<|renamed|>":
                      source: {kind: model_token, model: a, token: "<|old|>"}
                    "<|by_id|>":
                      source: {kind: model_token, model: b, token_id: 7}
                    "<|unused|>":
                      source: {kind: zero}
                  pad_to_multiple_of: 64
                """, "r");
        TokenizerConfig tc = r.tokenizer();
        assertEquals(TokenizerSource.BASE, tc.source());
        assertEquals(new TokenizerConfig.TokenEmbedding(new TokenizerConfig.FromModel(new ModelRef("llama-model")), true),
                tc.tokens().get("<|eot_id|>"));
        assertEquals(new TokenizerConfig.ModelToken(new ModelRef("a"), null, "<|old|>"),
                tc.tokens().get("<|renamed|>").source());
        assertEquals(new TokenizerConfig.ModelToken(new ModelRef("b"), 7, null), tc.tokens().get("<|by_id|>").source());
        assertEquals(new TokenizerConfig.Zero(), tc.tokens().get("<|unused|>").source());
        assertEquals(64, tc.padToMultipleOf());
        assertEquals(List.of("a", "b", "chatml-model", "llama-model"),
                r.referencedModels().stream().map(ModelRef::path).toList());
        assertEquals(r, RecipeParser.parse(r.toYaml(), "r2"));
    }

    @Test
    void theBriefsExampleMessageIsExact() {
        assertEquals("recipe.yaml: slices[0].sources[1].layer_range: end 40 must be greater than start 40",
                error(SLICE_HEAD + "        layer_range: [40, 40]\n"));
    }

    @Test
    void unequalSliceSourcesAreRefused() {
        assertEquals("recipe.yaml: slices[0].sources[1].layer_range: covers 6 layers but sources[0] covers 8;"
                        + " all sources of a slice must cover the same number of layers",
                error(SLICE_HEAD + "        layer_range: [2, 8]\n"));
    }

    static Stream<Arguments> badRanges() {
        return Stream.of(
                arguments("[-1, 8]",
                        "recipe.yaml: slices[0].sources[1].layer_range: start must be >= 0, but was -1"),
                arguments("[0, 8, 9]",
                        "recipe.yaml: slices[0].sources[1].layer_range: must be [start, end] with two integers, but was [0,8,9]"),
                arguments("[0, 7.5]",
                        "recipe.yaml: slices[0].sources[1].layer_range[1]: must be an integer, but was 7.5"));
    }

    @ParameterizedTest
    @MethodSource("badRanges")
    void badLayerRanges(String range, String message) {
        assertEquals(message, error(SLICE_HEAD + "        layer_range: " + range + "\n"));
    }

    @Test
    void missingLayerRangeIsRefused() {
        assertTrue(error(SLICE_HEAD).startsWith("recipe.yaml: slices[0].sources[1].layer_range: is required"));
    }

    static Stream<Arguments> unknownKeys() {
        return Stream.of(
                arguments("merge_method: linear\nmodels: [{model: a}]\nseeds: 3",
                        "recipe.yaml: seeds: unknown key (allowed: merge_method,"
                    + " base_model, models, slices, parameters, dtype, out_dtype, tokenizer_source, tokenizer,"
                    + " chat_template, name, seed)"),
                arguments("merge_method: linear\nmodels: [{model: a, params: {weight: 1}}]",
                        "recipe.yaml: models[0].params: unknown key"
                    + " (allowed: model, parameters)"),
                arguments("merge_method: linear\nslices: [{sources: [{model: a, layer_range: [0, 2]}], parms: {}}]",
                        "recipe.yaml:"
                    + " slices[0].parms: unknown key (allowed: sources, base_model, residual_weight, parameters)"),
                arguments("merge_method: linear\nslices: [{sources: [{model: a, layer_rang: [0, 2]}]}]",
                        "recipe.yaml:"
                    + " slices[0].sources[0].layer_rang: unknown key (allowed: model, layer_range, parameters)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [{filter: mlp, val: 1}]}",
                        "recipe.yaml:"
                    + " parameters.t[0].val: unknown key (allowed: filter, value)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {src: base}",
                        "recipe.yaml: tokenizer.src: unknown key"
                    + " (allowed: source, tokens, pad_to_multiple_of)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {tokens: {x: {forced: true}}}",
                        "recipe.yaml:"
                    + " tokenizer.tokens.x.forced: unknown key (allowed: source, force)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {tokens: {x: {source: {kind: model_token, model: a,"
                    + " token: y, extra: 1}}}}",
                        "recipe.yaml: tokenizer.tokens.x.source.extra: unknown key (allowed: kind,"
                    + " model, token_id, token)"));
    }

    @ParameterizedTest
    @MethodSource("unknownKeys")
    void unknownKeysAreRefusedWithPathAndAllowedKeys(String yaml, String message) {
        assertEquals(message, error(yaml));
    }

    static Stream<Arguments> invalidRecipes() {
        return Stream.of(
                arguments("models: [{model: a}]",
                        "recipe.yaml: merge_method: is required (e.g. merge_method: linear)"),
                arguments("merge_method: linear",
                        "recipe.yaml: models: give either models: (whole models) or slices: (layer ranges)"),
                arguments("merge_method: linear\nmodels: []",
                        "recipe.yaml: models: give either models: (whole models) or slices: (layer ranges)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nslices: [{sources: [{model: a, layer_range: [0, 1]}]}]"
                    + "",
                        "recipe.yaml: slices: give either models: or slices:, not both"),
                arguments("merge_method: linear\nmodels: [{model: a+}]",
                        "recipe.yaml: models[0].model: 'a+' is not a LoRA reference: write it as"
                    + " base_model_dir+adapter_dir"),
                arguments("merge_method: linear\nmodels: [{model: org/m@main}]",
                        "recipe.yaml: models[0].model: 'org/m@main' names a hub"
                    + " revision (model@revision); only local model directories are supported"),
                arguments("merge_method: linear\nmodels: [{model: a}, {model: a}]",
                        "recipe.yaml: models[1].model: 'a' is already listed as"
                    + " models[0]"),
                arguments("merge_method: linear\nmodels: [a, b]",
                        "recipe.yaml: models[0]: must be a mapping with a model: key, e.g. - model: a"),
                arguments("merge_method: linear\nmodels: [{parameters: {weight: 1}}]",
                        "recipe.yaml: models[0].model: is required: the path"
                    + " of a model directory"),
                arguments("merge_method: linear\nmodels: [{model: a, parameters: {weight: []}}]",
                        "recipe.yaml: models[0].parameters.weight:"
                    + " an empty list is not a value; a gradient needs at least one number"),
                arguments("merge_method: linear\nmodels: [{model: a, parameters: {weight: }}]",
                        "recipe.yaml: models[0].parameters.weight:"
                    + " needs a value (a number, a gradient list, or a list of {filter, value} entries)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [{filter: mlp}]}",
                        "recipe.yaml: parameters.t[0].value:"
                    + " is required in every filter entry"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: {filter: mlp, value: 1}}",
                        "recipe.yaml: parameters.t:"
                    + " a filtered value must be a list of {filter, value} entries, e.g. [{filter: self_attn, value: 0.5},"
                    + " {value: 0.3}]"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [{value: [{value: 1}]}]}",
                        "recipe.yaml:"
                    + " parameters.t[0].value[0]: gradient values must be numbers, but was a mapping"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [0, x]}",
                        "recipe.yaml: parameters.t[1]: gradient"
                    + " values must be numbers, but was 'x'"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [0, {value: 1}]}",
                        "recipe.yaml: parameters.t: mixes"
                    + " {filter, value} entries with plain values; use one or the other"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: .inf}",
                        "recipe.yaml at line 3, column 21: value '.inf' is infinite, but numbers must be finite"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [0, .nan]}",
                        "recipe.yaml at line 3, column 25: value '.nan' is NaN, but numbers must be finite"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [0, \"-Infinity\"]}",
                        "recipe.yaml: parameters.t[1]: must be a finite number, but was -Infinity"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nparameters: {t: [{filter: 3, value: 1}]}",
                        "recipe.yaml:"
                    + " parameters.t[0].filter: must be text (a substring of tensor names), but was 3"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nmodules: {}",
                        "recipe.yaml: modules: multi-module merges are not"
                    + " supported; use models: or slices:"),
                arguments("merge_method: linear\nmodels: [{model: a}]\ntokenizer_source: base\ntokenizer: {source: base}",
                        "recipe.yaml:"
                    + " tokenizer: give at most one of tokenizer_source: or tokenizer:"),
                arguments("merge_method: linear\nmodels: [{model: a}]\ndtype: float8",
                        "recipe.yaml: dtype: unknown dtype"
                    + " 'float8' (allowed: float32, float16, bfloat16)"),
                arguments("merge_method: linear\nmodels: [{model: a}]\nseed: 1.5",
                        "recipe.yaml: seed: must be an integer, but was 1.5"),
                arguments("merge_method: linear\nslices: [{sources: [{model: a, layer_range: [0, 2]}, {model: a, layer_range: [2, 4]}]}]"
                    + "",
                        "recipe.yaml: slices[0].sources[1].model: 'a' is already a source of this slice (sources[0])"),
                arguments("merge_method: linear\nslices: [{sources: []}]",
                        "recipe.yaml: slices[0]: a slice needs at least one source"),
                arguments("- merge_method: linear",
                        "recipe.yaml: (top level): must be a mapping with keys merge_method, base_model, models,"
                    + " slices, parameters, dtype, out_dtype, tokenizer_source, tokenizer, chat_template, name, seed, but"
                    + " was a list"));
    }

    @ParameterizedTest
    @MethodSource("invalidRecipes")
    void invalidRecipesGiveOneLineErrorsWithThePath(String yaml, String message) {
        assertEquals(message, error(yaml));
    }

    @Test
    void yamlSyntaxErrorsDuplicatesAndSecondDocumentsAreRefused() {
        assertTrue(error("merge_method: [linear\n").startsWith("recipe.yaml: not valid YAML at line"));
        assertTrue(error("merge_method: linear\nmerge_method: ties\nmodels: [{model: a}]\n")
                .contains("Duplicate field 'merge_method'"));
        assertEquals("recipe.yaml: holds more than one YAML document (the second begins at line 4); a recipe is"
                + " one document (mergekit-multi's multi-stage files are not supported: merge each stage with its own"
                + " recipe)", error("merge_method: linear\nmodels: [{model: a}]\n---\nmerge_method: ties\n"));
        assertEquals("recipe.yaml: the recipe is empty", error("# nothing\n"));
    }

    /** mergekit-multi's format: stages as YAML documents. One line, not the YAML library's internals. */
    @Test
    void aMultiStageMergekitFileIsOneLine() {
        String multi = """
                name: stage1
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: b
                    parameters: {weight: 0.5}
                ---
                name: final
                merge_method: slerp
                base_model: stage1
                models:
                  - model: stage1
                  - model: c
                parameters:
                  t: 0.5
                """;
        assertEquals("recipe.yaml: holds more than one YAML document (the second begins at line 9); a recipe is"
                + " one document (mergekit-multi's multi-stage files are not supported: merge each stage with its own"
                + " recipe)", error(multi));
    }

    /** Anchors, aliases and merge keys as PyYAML (mergekit's loader) resolves them. */
    @Test
    void anchorsAliasesAndMergeKeysResolve() {
        Recipe withAnchors = RecipeParser.parse("""
                merge_method: ties
                base_model: &base models/base
                models:
                  - model: *base
                  - model: models/a
                    parameters: &p
                      weight: 0.5
                      density: [0.2, 0.8]
                  - model: models/b
                    parameters: *p
                  - model: models/c
                    parameters:
                      <<: *p
                      weight: 0.3
                parameters:
                  normalize: true
                """, "recipe.yaml");
        Recipe plain = RecipeParser.parse("""
                merge_method: ties
                base_model: models/base
                models:
                  - model: models/base
                  - model: models/a
                    parameters: {weight: 0.5, density: [0.2, 0.8]}
                  - model: models/b
                    parameters: {weight: 0.5, density: [0.2, 0.8]}
                  - model: models/c
                    parameters: {weight: 0.3, density: [0.2, 0.8]}
                parameters:
                  normalize: true
                """, "recipe.yaml");
        assertEquals(plain, withAnchors);
    }

    /** Each level doubles the expansion: 20 levels would be a million values from a few hundred bytes. */
    @Test
    void aliasesExpandingBeyondAnyRecipeAreRefused() {
        StringBuilder bomb = new StringBuilder("merge_method: linear\nmodels: [{model: a}]\nparameters:\n  l0: &l0 [1, 1]\n");
        for (int i = 1; i < 20; i++) {
            bomb.append("  l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l")
                    .append(i - 1).append("]\n");
        }
        assertTrue(error(bomb.toString()).endsWith(": aliases expand to more than 100000 values; a recipe is far"
                + " smaller"), error(bomb.toString()));
    }

    @Test
    void anAliasWithoutItsAnchorIsOneLine() {
        assertEquals("recipe.yaml at line 2: alias *p refers to no anchor &p defined before it",
                error("merge_method: linear\nmodels: [{model: a, parameters: *p}]\n"));
    }

    @Test
    void aBinaryFileIsNotARecipe(@org.junit.jupiter.api.io.TempDir Path tmp) throws java.io.IOException {
        Path bin = java.nio.file.Files.write(tmp.resolve("recipe.yaml"), new byte[] {0x50, 0x4B, 3, 4, (byte) 0xFF,
            (byte) 0xFE, 0, 1});
        UserError e = assertThrows(UserError.class, () -> RecipeParser.parse(bin));
        assertEquals(bin + " is not a recipe: it is not UTF-8 text (a binary file?)", e.getMessage());
    }

    @Test
    void unreadableFileNamesTheFile() {
        Path missing = Path.of("/nonexistent/recipe.yml");
        UserError e = assertThrows(UserError.class, () -> RecipeParser.parse(missing));
        assertTrue(e.getMessage().startsWith("/nonexistent/recipe.yml: cannot read the recipe"), e.getMessage());
    }

    @Test
    void sliceBaseModelAndResidualWeightAreKept() {
        Recipe r = RecipeParser.parse("""
                merge_method: task_arithmetic
                base_model: base
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 4], parameters: {weight: 0.5}}
                    base_model: other-base
                    residual_weight: 0.25
                    parameters: {weight: [0, 1]}
                """, "r");
        Slice s = r.slices().getFirst();
        assertEquals(new ModelRef("other-base"), s.baseModel());
        assertEquals(0.25, s.residualWeight());
        assertEquals(Gradient.of(0, 1), s.parameters().get("weight"));
        assertEquals(Scalar.of(0.5), s.sources().getFirst().parameters().get("weight"));
        assertEquals(r, RecipeParser.parse(r.toYaml(), "r2"));
    }
}
