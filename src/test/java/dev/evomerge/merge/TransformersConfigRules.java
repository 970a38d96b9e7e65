package dev.evomerge.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.TensorNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What transformers checks when it loads a merged directory, written from its rules (configuration_utils
 * {@code layer_type_validation} and {@code ALLOWED_LAYER_TYPES}; PretrainedConfig's {@code dtype}, which since 4.56
 * is read before its old name {@code torch_dtype}; the loader's expectation that every layer below
 * {@code num_hidden_layers} has weights). Returns the violations, empty when the directory would load.
 */
final class TransformersConfigRules {
    static final Set<String> ALLOWED_LAYER_TYPES = Set.of("full_attention", "sliding_attention", "chunked_attention",
            "linear_attention", "conv", "mamba", "attention", "sparse", "dense", "hybrid", "moe");

    private TransformersConfigRules() {}

    static List<String> violations(Path dir) throws IOException {
        List<String> v = new ArrayList<>();
        JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        int n = c.path("num_hidden_layers").asInt(-1);
        JsonNode types = c.get("layer_types");
        if (types != null) {
            for (JsonNode t : types) {
                if (!ALLOWED_LAYER_TYPES.contains(t.asText())) {
                    v.add("The `layer_types` entries must be in " + ALLOWED_LAYER_TYPES + ": " + t);
                }
            }
            if (n != types.size()) {
                v.add("`num_hidden_layers` (" + n + ") must be equal to the number of layer types (" + types.size()
                        + ")");
            }
        }
        for (String key : List.of("no_rope_layers", "activation_sparsity_pattern")) {
            if (c.has(key) && c.get(key).size() != n) {
                v.add(key + " has " + c.get(key).size() + " entries for " + n + " layers");
            }
        }
        try (Checkpoint ck = Checkpoint.open(dir)) {
            Set<Integer> layers = new TreeSet<>();
            String dtype = null;
            for (String name : ck.names()) {
                int layer = TensorNames.classify(name).layer();
                if (layer >= 0) {
                    layers.add(layer);
                }
                dtype = ck.info(name).dtype().torchName();
            }
            if (layers.size() != n || (n > 0 && !layers.contains(n - 1))) {
                v.add("num_hidden_layers " + n + " but the weights hold layers " + layers);
            }
            for (String key : List.of("dtype", "torch_dtype")) {
                if (c.has(key) && !c.get(key).asText().equals(dtype)) {
                    v.add(key + " is " + c.get(key).asText() + " but the weights are " + dtype
                            + (key.equals("dtype") ? " (transformers reads dtype first)" : ""));
                }
            }
        }
        return v;
    }
}
