package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DecoderLayout;
import dev.evomerge.checkpoint.FamilyCheckpoints;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every family of {@link DecoderLayout#KNOWN} merged from its own tensor names and config keys
 * ({@link FamilyCheckpoints}): a weight gradient reaches the right layers of each stack, a frankenmerge renumbers the
 * language model's layers and updates its layer-count key (nested in {@code text_config} for LLaVA and Gemma 3), and
 * a recipe as mergekit's examples write it merges.
 */
class ArchitecturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Stream<FamilyCheckpoints.Family> families() {
        return FamilyCheckpoints.all().stream();
    }

    @BeforeAll
    static void write() {
        for (FamilyCheckpoints.Family f : FamilyCheckpoints.all()) {
            for (int m = 0; m < 3; m++) {
                f.write(dir.resolve(f.name()).resolve("abc".substring(m, m + 1)), m);
            }
        }
    }

    private static MergeCommandTest.Run merge(FamilyCheckpoints.Family f, String yaml, String out, String... extra)
            throws IOException {
        Path d = dir.resolve(f.name());
        Files.writeString(d.resolve(out + ".yml"), yaml);
        return MergeCommandTest.mergeIn(d, d.resolve(out + ".yml"), d.resolve(out), extra);
    }

    /** Each output tensor's value (all its elements equal it). */
    private static Map<String, Float> values(Path out) {
        Map<String, Float> v = new TreeMap<>();
        try (Checkpoint c = Checkpoint.open(out)) {
            for (String n : c.names()) {
                TensorInfo info = c.info(n);
                float[] buf = new float[(int) info.numel()];
                FloatCodec.decode(info.dtype(), c.bytes(n), 0, buf, 0, buf.length);
                for (float x : buf) {
                    assertEquals(buf[0], x, n);
                }
                v.put(n, buf[0]);
            }
        }
        return v;
    }

    /**
     * The expected tensors: outside the layers {@code outside}; text layer i holds {@code text(i)}, vision layer i
     * {@code vision(i)}; the text stack has {@code textLayers} layers.
     */
    private static Map<String, Float> expected(FamilyCheckpoints.Family f, float pre, float post, int textLayers,
                                               IntToFloat text, IntToFloat vision) {
        Map<String, Float> e = new TreeMap<>();
        f.pre().forEach(n -> e.put(n, pre));
        f.post().forEach(n -> e.put(n, post));
        for (int s = 0; s < f.stacks().size(); s++) {
            FamilyCheckpoints.Stack stack = f.stacks().get(s);
            int layers = s == 0 ? textLayers : stack.layers();
            for (int i = 0; i < layers; i++) {
                for (String suffix : stack.suffixes()) {
                    e.put(stack.prefix() + i + "." + suffix, s == 0 ? text.at(i) : vision.at(i));
                }
            }
        }
        return e;
    }

    interface IntToFloat {
        float at(int i);
    }

    private static void assertValues(Map<String, Float> expected, Map<String, Float> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((n, v) -> assertEquals(v, actual.get(n), 1e-4 * Math.max(1, Math.abs(v)), n));
    }

    @ParameterizedTest
    @MethodSource("families")
    void aWeightGradientInterpolatesByLayerIndexWithinEachStack(FamilyCheckpoints.Family f) throws IOException {
        MergeCommandTest.Run r = merge(f, """
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: [1, 0]}
                  - model: b
                    parameters: {weight: [0, 1]}
                """, "gradient");
        assertEquals(0, r.exit(), r.err());
        // Layer i of a stack of n sits at t = i / (n - 1): a's weight 1 - t, b's t, so 100 t + (a's value).
        assertValues(expected(f, 50, 50, 4, i -> i + 100f * i / 3, i -> 10 + i + 100f * i),
                values(dir.resolve(f.name()).resolve("gradient")));
        JsonNode c = JSON.readTree(dir.resolve(f.name()).resolve("gradient/config.json").toFile());
        assertEquals(4, c.at(f.countPointer()).asInt());
    }

    @ParameterizedTest
    @MethodSource("families")
    void aFrankenmergeRenumbersTheLanguageModelsLayersAndUpdatesItsLayerCount(FamilyCheckpoints.Family f)
            throws IOException {
        MergeCommandTest.Run r = merge(f, """
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                  - sources: [{model: b, layer_range: [1, 4]}]
                """, "franken");
        assertEquals(0, r.exit(), r.err());
        // Output layers 0, 1 are a's 0, 1; layers 2..4 are b's 1..3. Embeddings (and a vision tower) come from the
        // first slice, the final norm and head from the last.
        IntUnaryOperator source = i -> i < 2 ? i : 100 + i - 1;
        assertValues(expected(f, 50, 150, 5, i -> source.applyAsInt(i), i -> 10 + i),
                values(dir.resolve(f.name()).resolve("franken")));
        JsonNode c = JSON.readTree(dir.resolve(f.name()).resolve("franken/config.json").toFile());
        assertEquals(5, c.at(f.countPointer()).asInt(), c.toPrettyString());
        JsonNode types = c.at(f.countPointer().replaceFirst("[^/]*$", "layer_types"));
        if (f.config().contains("layer_types")) {
            assertEquals(List.of("sliding_attention", "full_attention", "full_attention", "sliding_attention",
                    "full_attention"), JSON.convertValue(types, List.class), "each layer keeps its source's type");
        }
        if (f.stacks().size() > 1) {
            assertEquals(2, c.at("/vision_config/num_hidden_layers").asInt());
            assertTrue(r.out().contains("5 language_model + 2 vision_tower layers"), r.out());
        }
    }

    /** Recipes as mergekit's examples write them (examples/*.yml), with this fixture's models and 4 layers. */
    private static final List<String> MERGEKIT_EXAMPLES = List.of("""
            slices:
              - sources:
                  - model: a
                    layer_range: [0, 4]
                  - model: b
                    layer_range: [0, 4]
            merge_method: slerp
            base_model: a
            parameters:
              t:
                - filter: self_attn
                  value: [0, 0.5, 0.3, 0.7, 1]
                - filter: mlp
                  value: [1, 0.5, 0.7, 0.3, 0]
                - value: 0.5 # fallback for rest of tensors
            dtype: float16
            """, """
            models:
              - model: b
                parameters:
                  density: [1, 0.7, 0.1] # density gradient
                  weight: 1.0
              - model: c
                parameters:
                  density: 0.5
                  weight: [0, 0.3, 0.7, 1] # weight gradient
            merge_method: ties
            base_model: a
            parameters:
              normalize: true
              int8_mask: true
            dtype: float16
            """, """
            models:
              - model: a
                parameters:
                  weight: 1.0
              - model: b
                parameters:
                  weight: 0.3
              - model: c
                parameters:
                  weight: 0.5
            merge_method: linear
            dtype: float16
            """, """
            slices:
              - sources:
                - model: a
                  layer_range: [0, 3]
              - sources:
                - model: b
                  layer_range: [1, 4]
            merge_method: passthrough
            dtype: float16
            """, """
            models:
              - model: b
                parameters:
                  density: 0.5
                  weight: 0.5
              - model: c
                parameters:
                  density: 0.5
                  weight: 0.5
            merge_method: dare_ties
            base_model: a
            parameters:
              normalize: false
              int8_mask: true
            dtype: bfloat16
            """);

    @ParameterizedTest
    @MethodSource("families")
    void recipesAsMergekitsExamplesWriteThemMerge(FamilyCheckpoints.Family f) throws IOException {
        String yaml = MERGEKIT_EXAMPLES.get(FamilyCheckpoints.all().indexOf(f) % MERGEKIT_EXAMPLES.size());
        MergeCommandTest.Run r = merge(f, yaml, "mergekit");
        assertEquals(0, r.exit(), yaml + r.err());
        JsonNode c = JSON.readTree(dir.resolve(f.name()).resolve("mergekit/config.json").toFile());
        assertEquals(yaml.contains("passthrough") ? 6 : 4, c.at(f.countPointer()).asInt(), yaml);
    }

    @Test
    void aDryRunOfALlavaFrankenmergeShowsBothStacks() throws IOException {
        FamilyCheckpoints.Family llava = FamilyCheckpoints.all().stream().filter(f -> f.name().equals("llava"))
                .findFirst().orElseThrow();
        MergeCommandTest.Run r = merge(llava, """
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                  - sources: [{model: b, layer_range: [1, 4]}]
                """, "dry", "--dry-run");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(" tensors, 5 language_model + 2 vision_tower layers: "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("model.language_model.layers.4.mlp.up_proj.weight ")
                && l.endsWith(" b:model.language_model.layers.3.mlp.up_proj.weight")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("model.vision_tower.vision_model.encoder.layers.1.mlp.fc1"
                + ".weight ") && l.endsWith(" a:model.vision_tower.vision_model.encoder.layers.1.mlp.fc1.weight")),
                r.out());
    }

    /**
     * A union vocabulary on LLaVA (config as llava-1.5-7b-hf publishes it, vocab_size only in text_config) and Gemma 3
     * (no vocab_size at all) resizes the language model's embedding and head (LLaVA's; Gemma 3 ties it) and writes the
     * new size where transformers reads it: text_config.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llava-1.5", "gemma3-vl"})
    void aUnionVocabularyOnAMultimodalModelSetsTheLanguageModelsVocabSize(String name) throws IOException {
        FamilyCheckpoints.Family f = FamilyCheckpoints.all().stream().filter(x -> x.name().equals(name))
                .findFirst().orElseThrow();
        Path d = dir.resolve("vocab-" + name);
        f.write(d.resolve("a"), 0);
        f.write(d.resolve("b"), 1);
        // Two rows each (the families' tensors are 2 x 5): "x" is shared, "y" and "z" belong to one model each.
        for (String[] m : new String[][] {{"a", "\"x\": 0, \"y\": 1"}, {"b", "\"x\": 0, \"z\": 1"}}) {
            Files.writeString(d.resolve(m[0]).resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": [],"
                    + " \"model\": {\"type\": \"BPE\", \"vocab\": {" + m[1] + "}, \"merges\": []}}");
        }
        Files.writeString(d.resolve("union.yml"), """
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: b
                    parameters: {weight: 0.5}
                tokenizer_source: union
                """);
        MergeCommandTest.Run r = MergeCommandTest.mergeIn(d, d.resolve("union.yml"), d.resolve("union"));
        assertEquals(0, r.exit(), r.err());
        JsonNode c = JSON.readTree(d.resolve("union/config.json").toFile());
        assertEquals(3, c.at("/text_config/vocab_size").asInt(), c.toPrettyString());
        assertTrue(c.path("vocab_size").isMissingNode(), c.toPrettyString());
        try (Checkpoint out = Checkpoint.open(d.resolve("union"))) {
            List<String> rows = Stream.concat(Stream.of(f.pre().getFirst()),
                    f.post().stream().filter(n -> n.endsWith("lm_head.weight"))).toList();
            for (String n : rows) {
                assertEquals(3, out.info(n).shape()[0], n);
            }
            assertEquals(name.equals("llava-1.5") ? 2 : 1, rows.size(), rows.toString());
        }
    }

    @Test
    void theDocsListEveryKnownLayout() throws IOException {
        String docs = Files.readString(Path.of("docs/merging.md"));
        String section = docs.substring(docs.indexOf("## Architectures"), docs.indexOf("## Methods"));
        for (DecoderLayout l : DecoderLayout.KNOWN) {
            assertTrue(section.contains(l.family()), l.family());
            l.architectures().forEach(a -> assertTrue(section.contains("`" + a + "`"), a));
        }
    }

    @Test
    void anUnknownLayoutIsRefusedWithTheKnownOnes() throws IOException {
        FamilyCheckpoints.Family llama = FamilyCheckpoints.all().getFirst();
        FamilyCheckpoints.Family foo = new FamilyCheckpoints.Family("foo", """
                {"architectures": ["FooForCausalLM"], "model_type": "foo", "num_hidden_layers": 4}""",
                llama.pre(), llama.stacks(), llama.post());
        foo.write(dir.resolve("foo/a"), 0);
        foo.write(dir.resolve("foo/b"), 1);
        MergeCommandTest.Run r = merge(foo, "merge_method: linear\nmodels: [{model: a}, {model: b}]\n", "out");
        assertEquals(3, r.exit(), r.err());
        assertEquals(dir.resolve("foo/a/config.json") + ": no known decoder layout for architecture 'FooForCausalLM'"
                + " (model_type 'foo'); evomerge merges Llama (LlamaForCausalLM), Mistral (MistralForCausalLM),"
                + " Mixtral (MixtralForCausalLM), Qwen2 (Qwen2ForCausalLM), Qwen3 (Qwen3ForCausalLM), Gemma"
                + " (GemmaForCausalLM), Gemma 2 (Gemma2ForCausalLM), Gemma 3 text (Gemma3ForCausalLM), Gemma 3"
                + " (Gemma3ForConditionalGeneration), Phi-3 (Phi3ForCausalLM), GPT-2 (GPT2LMHeadModel), GPT-NeoX"
                + " (GPTNeoXForCausalLM), LLaVA (LlavaForConditionalGeneration, LlavaNextForConditionalGeneration)",
                r.err().strip().replaceFirst("^evomerge: ", ""));
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
