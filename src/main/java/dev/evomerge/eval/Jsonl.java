package dev.evomerge.eval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.io.Sha256;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads JSONL example files: one JSON object per line, blank lines skipped, errors name the file and line. */
public final class Jsonl {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Jsonl() {}

    public static List<Example> read(Path file) {
        List<Example> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UserError(file + " line " + lineNo + " is not valid JSON: "
                            + e.getOriginalMessage().replace('\n', ' '));
                }
                if (node == null || !node.isObject()) {
                    throw new UserError(file + " line " + lineNo + " must be a JSON object, but was "
                            + Fields.describe(node == null ? JSON.nullNode() : node));
                }
                ObjectNode obj = (ObjectNode) node;
                String id = identity(obj, file, lineNo);
                Integer previous = seen.putIfAbsent(id, lineNo);
                if (previous != null) {
                    throw new UserError(file + " line " + lineNo + " repeats the example of line " + previous
                            + " (id " + shortId(id) + ")");
                }
                out.add(new Example(id, obj, file, lineNo));
            }
        } catch (NoSuchFileException e) {
            throw new UserError(file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new UserError(file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    static String identity(ObjectNode obj, Path file, int lineNo) {
        JsonNode id = obj.get("id");
        if (id != null) {
            if (!id.isTextual() && !id.isIntegralNumber()) {
                throw new UserError(file + " line " + lineNo + ": 'id' must be a string or an integer, but was "
                        + Fields.describe(id));
            }
            return "id:" + id.asText();
        }
        try {
            Object canonical = sortKeys(JSON.treeToValue(obj, Object.class));
            return "sha256:" + Sha256.of(JSON.writeValueAsBytes(canonical));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object sortKeys(Object v) {
        if (v instanceof Map<?, ?> m) {
            TreeMap<String, Object> sorted = new TreeMap<>();
            ((Map<String, Object>) m).forEach((k, x) -> sorted.put(k, sortKeys(x)));
            return sorted;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(sortKeys(x)));
            return out;
        }
        return v;
    }

    static String shortId(String id) {
        return id.startsWith("sha256:") ? "sha256:" + id.substring(7, 19) : id.substring(3);
    }
}
