package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.model.LayerPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data-flow candidate written as a checkpoint (the finish and {@code export}) keeps its first source's config.json
 * with {@code num_hidden_layers} and every per-layer list sized to the path: output layer i takes the entry of the
 * source layer it copies, so transformers' {@code layer_type_validation} passes and each layer keeps its attention type.
 */
class DfsExportConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        TinySearchFiles.write(dir);
        addToConfig(dir.resolve("models/a"), List.of("sliding_attention", "full_attention"));
        addToConfig(dir.resolve("models/b"), List.of("full_attention", "sliding_attention"));
    }

    /** What a transformers 4.56+ Qwen2-style config carries besides the runtime's keys. */
    private static void addToConfig(Path model, List<String> layerTypes) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
        layerTypes.forEach(c.putArray("layer_types")::add);
        c.put("torch_dtype", "float32");
        c.put("max_window_layers", 1);
        JSON.writeValue(model.resolve("config.json").toFile(), c);
    }

    private static Path write(String name, List<LayerPath.Step> steps, List<String> sources) {
        Candidate c = new Candidate(null, new LayerPath(steps), sources);
        try (CandidateMerger merger = new CandidateMerger(dir, 1, new TensorCache(0), null, null)) {
            return Finisher.write(merger, c, dir.resolve(name), "candidate " + name);
        }
    }

    @Test
    void perLayerListsFollowThePathAndOtherKeysAreKept() throws IOException {
        Path out = write("out", List.of(new LayerPath.Step(0, 0, 1.0), new LayerPath.Step(1, 1, 0.5),
                new LayerPath.Step(0, 1, 1.0)), List.of("models/a", "models/b"));
        JsonNode c = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(3, c.get("num_hidden_layers").asInt());
        assertEquals(List.of("sliding_attention", "sliding_attention", "full_attention"),
                JSON.convertValue(c.get("layer_types"), List.class));
        assertEquals("float32", c.get("torch_dtype").asText());
        assertEquals(1, c.get("max_window_layers").asInt(), "keys the runtime does not read are kept");
    }

    @Test
    void aSourceWhoseListDoesNotMatchItsLayersIsRefusedNamingTheFileAndKey() throws IOException {
        Path bad = dir.resolve("models/bad");
        try (var files = Files.list(dir.resolve("models/b"))) {
            Files.createDirectories(bad);
            for (Path f : files.toList()) {
                Files.copy(f, bad.resolve(f.getFileName()));
            }
        }
        ObjectNode c = (ObjectNode) JSON.readTree(bad.resolve("config.json").toFile());
        c.putArray("layer_types").add("full_attention");
        JSON.writeValue(bad.resolve("config.json").toFile(), c);
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> write("bad-out",
                List.of(new LayerPath.Step(0, 0, 1.0), new LayerPath.Step(1, 1, 1.0)),
                List.of("models/a", "models/bad")));
        assertTrue(e.getMessage().contains(bad.resolve("config.json") + ": layer_types must list one entry per layer"
                + " (2), but has 1"), e.getMessage());
    }
}
