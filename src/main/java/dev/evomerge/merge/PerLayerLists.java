package dev.evomerge.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * config.json keys holding one entry per decoder layer, rebuilt when a merge changes the layers (frankenmerges, layer
 * paths). transformers refuses a config whose {@code layer_types} length differs from {@code num_hidden_layers}
 * (configuration_utils' {@code layer_type_validation}); the others are indexed by layer the same way (SmolLM3's
 * {@code no_rope_layers}, Gemma 3n's {@code activation_sparsity_pattern}).
 */
public final class PerLayerLists {
    public static final List<String> KEYS = List.of("layer_types", "no_rope_layers", "activation_sparsity_pattern");

    /**
     * Where one output layer comes from: the source's config object that holds the lists, its layer count, the file
     * an error names, and the source layer.
     */
    public record Origin(JsonNode config, int layers, String file, int layer) {}

    private PerLayerLists() {}

    /**
     * Rebuilds each per-layer list {@code out} has so that output layer i takes the entry of {@code origins} i's
     * layer. The origins are asked for only when there is a list to rebuild. A source whose list does not have one
     * entry per layer is refused, naming its file and the key as {@code keyPath} spells it.
     */
    public static void rebuild(ObjectNode out, Supplier<List<Origin>> origins, UnaryOperator<String> keyPath) {
        if (KEYS.stream().noneMatch(out::has)) {
            return;
        }
        List<Origin> from = origins.get();
        for (String key : KEYS) {
            if (!out.has(key)) {
                continue;
            }
            ArrayNode list = out.putArray(key);
            for (Origin o : from) {
                JsonNode entries = o.config().get(key);
                if (entries == null || !entries.isArray() || entries.size() != o.layers()) {
                    throw new UserError(o.file() + ": " + keyPath.apply(key) + " must list one entry per layer ("
                            + o.layers() + "), but " + (entries == null ? "is absent"
                            : "has " + (entries.isArray() ? entries.size() : 1)));
                }
                list.add(entries.get(o.layer()));
            }
        }
    }
}
