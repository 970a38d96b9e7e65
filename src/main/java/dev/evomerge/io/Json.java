package dev.evomerge.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * Indented JSON as Hugging Face writes config.json (2 spaces, {@code " : "} after keys): every JSON file evomerge
 * writes for people or other tools (results, configs, journals' side files, tokenizers) goes through here.
 */
public final class Json {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** The indented text of {@code node}, without a trailing newline. */
    public static String prettyText(JsonNode node) {
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** UTF-8 bytes of the indented text of {@code node} with a trailing newline: the file form. */
    public static byte[] pretty(JsonNode node) {
        return (prettyText(node) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Puts {@code v} as lm-eval writes floats: NaN as null, infinities as the strings "Infinity" and "-Infinity". */
    public static void putNumber(ObjectNode node, String key, double v) {
        if (Double.isNaN(v)) {
            node.putNull(key);
        } else if (Double.isInfinite(v)) {
            node.put(key, v > 0 ? "Infinity" : "-Infinity");
        } else {
            node.put(key, v);
        }
    }
}
