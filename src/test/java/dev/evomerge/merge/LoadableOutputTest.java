package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merged directories that transformers loads: per-layer config lists, dtype keys, permissions, the card. */
class LoadableOutputTest {
    /** Qwen2-style: q/k/v biases. */
    private static final SyntheticCheckpoints.Dims DIMS = new SyntheticCheckpoints.Dims(40, 16, 24, 4, 4, 2, true,
            false);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, DType.BF16, 5);
        write(base, "a", List.of("full_attention", "full_attention", "sliding_attention", "sliding_attention"));
        write(base.fineTune(1, 0.5), "b", List.of("sliding_attention", "full_attention", "sliding_attention",
                "full_attention"));
    }

    /** A source config as transformers 4.56+ saves it: layer_types and both dtype keys. */
    private static void write(SyntheticCheckpoints.Model m, String name, List<String> layerTypes) throws IOException {
        Path d = m.write(dir.resolve(name), Long.MAX_VALUE, 1);
        Path config = d.resolve("config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
        c.put("sliding_window", 4096);
        c.put("max_window_layers", 2);
        layerTypes.forEach(c.putArray("layer_types")::add);
        c.put("dtype", "bfloat16");
        Files.writeString(config, c.toPrettyString());
    }

    private static Path merge(String yaml, String out) throws IOException {
        Files.writeString(dir.resolve(out + ".yaml"), yaml);
        MergeCommandTest.Run r = MergeCommandTest.mergeIn(dir, dir.resolve(out + ".yaml"), dir.resolve(out));
        assertEquals(0, r.exit(), r.err());
        return dir.resolve(out);
    }

    @Test
    void aFrankenmergeOfAQwen2ConfigWithLayerTypesPassesTransformersRules() throws IOException {
        Path out = merge("""
                merge_method: passthrough
                slices:
                  - sources: [{model: %s, layer_range: [0, 3]}]
                  - sources: [{model: %s, layer_range: [1, 4]}]
                """.formatted(dir.resolve("a"), dir.resolve("b")), "franken");
        assertEquals(List.of(), TransformersConfigRules.violations(out));
        JsonNode c = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(6, c.get("num_hidden_layers").asInt());
        assertEquals(List.of("full_attention", "full_attention", "sliding_attention", "full_attention",
                "sliding_attention", "full_attention"), JSON.convertValue(c.get("layer_types"), List.class),
                "each output layer keeps its source layer's attention type");
    }

    @Test
    void anOutDtypeSetsBothDtypeKeys() throws IOException {
        Path out = merge("""
                merge_method: linear
                out_dtype: float32
                models:
                  - {model: %s, parameters: {weight: 0.5}}
                  - {model: %s, parameters: {weight: 0.5}}
                """.formatted(dir.resolve("a"), dir.resolve("b")), "f32");
        JsonNode c = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("float32", c.get("torch_dtype").asText());
        assertEquals("float32", c.get("dtype").asText(), "transformers reads dtype first");
        assertEquals(List.of(), TransformersConfigRules.violations(out));
    }

    @Test
    void theOutputDirectoryAndItsFilesFollowTheUmask() throws IOException {
        Path out = merge("""
                merge_method: linear
                models:
                  - {model: %s, parameters: {weight: 0.5}}
                  - {model: %s, parameters: {weight: 0.5}}
                """.formatted(dir.resolve("a"), dir.resolve("b")), "perm");
        Path reference = Files.createDirectory(dir.resolve("umask-reference"));
        Path referenceFile = Files.writeString(dir.resolve("umask-reference.txt"), "x");
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(referenceFile)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("config.json"))));
    }

    @Test
    void theModelCardHasTheHubsMergeFrontMatter() throws IOException {
        Path out = merge("""
                merge_method: task_arithmetic
                base_model: %s
                models:
                  - {model: %s, parameters: {weight: 0.5}}
                """.formatted(dir.resolve("a"), dir.resolve("b")), "card");
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.startsWith("---\nbase_model:\n- " + dir.resolve("a") + "\n- " + dir.resolve("b")
                + "\nlibrary_name: transformers\ntags:\n- merge\n- evomerge\n---\n"), card);
        assertEquals("\"a: b\"", ModelCard.yamlScalar("a: b"));
        assertEquals("\"true\"", ModelCard.yamlScalar("true"));
        assertEquals("org/model-7B", ModelCard.yamlScalar("org/model-7B"));
    }

    @Test
    void aSourceWhoseLayerTypesDoNotMatchItsLayersIsNamed() throws IOException {
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, DType.BF16, 5);
        write(base, "short", List.of("full_attention"));
        Files.writeString(dir.resolve("short.yaml"), """
                merge_method: passthrough
                slices:
                  - sources: [{model: %s, layer_range: [0, 2]}]
                """.formatted(dir.resolve("short")));
        MergeCommandTest.Run r = MergeCommandTest.mergeIn(dir, dir.resolve("short.yaml"), dir.resolve("short-out"));
        assertEquals(3, r.exit(), r.err());
        assertEquals("evomerge: " + dir.resolve("short/config.json") + ": layer_types must list one entry per layer "
                + "(4), but has 1\n", r.err());
    }
}
