package dev.evomerge.merge.recipe;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.evomerge.UserError;
import dev.evomerge.io.StrictYaml;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * One YAML document as a Jackson tree, with anchors ({@code &name}), aliases ({@code *name}) and merge keys
 * ({@code <<: *name}) resolved as PyYAML's loader (mergekit's) resolves them. Jackson's YAML tree reader keeps an
 * alias as the text of its name, so {@code parameters: *p} would read as the string {@code 'p'}.
 *
 * <p>Scalars become the nodes Jackson's own tree reader makes of the same tokens, so a recipe without anchors reads
 * exactly as before. Errors are {@link UserError}s naming {@code sourceName} and the line.
 */
final class YamlTree {
    private static final String MERGE_KEY = "<<";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Values aliases may expand to in all: nested aliases grow exponentially ("billion laughs"). */
    static final long MAX_ALIASED_VALUES = 100_000;

    private final YAMLParser parser;
    private final String sourceName;
    private final Map<String, JsonNode> anchors = new HashMap<>();
    private final Map<String, Long> anchorSizes = new HashMap<>();
    private long aliasedValues;
    /** Anchors of scalars by character offset: Jackson's parser reports anchors of mappings and lists only. */
    private final Map<Long, String> scalarAnchors;

    private YamlTree(YAMLParser parser, String sourceName, Map<Long, String> scalarAnchors) {
        this.parser = parser;
        this.sourceName = sourceName;
        this.scalarAnchors = scalarAnchors;
    }

    private static Map<Long, String> scalarAnchors(String yaml) {
        Map<Long, String> out = new HashMap<>();
        if (yaml.indexOf('&') < 0) {
            return out;
        }
        try {
            for (Event e : new Yaml().parse(new StringReader(yaml))) {
                if (e instanceof ScalarEvent s && s.getAnchor() != null) {
                    out.put((long) s.getStartMark().getIndex(), s.getAnchor());
                }
            }
        } catch (RuntimeException malformed) {
            // Jackson's pass over the same text reports it, with the line and column.
        }
        return out;
    }

    /**
     * The document's root, or null for an empty document.
     *
     * @throws IOException        as Jackson reports malformed YAML (the caller turns it into a one-line message)
     * @throws UserError          for an alias without an anchor, a bad merge key, or a second document
     */
    static JsonNode read(String yaml, String sourceName) throws IOException {
        try (YAMLParser p = (YAMLParser) StrictYaml.factory().createParser(yaml)) {
            YamlTree tree = new YamlTree(p, sourceName, scalarAnchors(yaml));
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            JsonNode root = tree.value(first);
            if (p.nextToken() != null) {
                throw new UserError(sourceName + ": holds more than one YAML document (the second begins at line "
                        + p.currentTokenLocation().getLineNr() + "); a recipe is one document (mergekit-multi's"
                        + " multi-stage files are not supported: merge each stage with its own recipe)");
            }
            return root;
        }
    }

    private JsonNode value(JsonToken token) throws IOException {
        if (parser.isCurrentAlias()) {
            String name = parser.getText();
            JsonNode target = anchors.get(name);
            if (target == null) {
                throw error("alias *" + name + " refers to no anchor &" + name + " defined before it");
            }
            aliasedValues += anchorSizes.get(name);
            if (aliasedValues > MAX_ALIASED_VALUES) {
                throw error("aliases expand to more than " + MAX_ALIASED_VALUES + " values; a recipe is far smaller");
            }
            return target.deepCopy();
        }
        String anchor = token.isScalarValue() ? scalarAnchors.get(parser.currentTokenLocation().getCharOffset())
                : parser.getObjectId() instanceof String id ? id : null;
        JsonNode node = switch (token) {
            case START_OBJECT -> object();
            case START_ARRAY -> array();
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> switch (parser.getNumberType()) {
                case BIG_DECIMAL -> NODES.numberNode(parser.getDecimalValue());
                case FLOAT -> NODES.numberNode(parser.getFloatValue());
                default -> NODES.numberNode(parser.getDoubleValue());
            };
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_EMBEDDED_OBJECT -> NODES.pojoNode(parser.getEmbeddedObject());
            default -> throw error("unexpected YAML token " + token);
        };
        if (anchor != null) {
            anchors.put(anchor, node);
            anchorSizes.put(anchor, size(node));
        }
        return node;
    }

    private static long size(JsonNode node) {
        long n = 1;
        for (JsonNode child : node) {
            n += size(child);
        }
        return n;
    }

    private ObjectNode object() throws IOException {
        ObjectNode out = NODES.objectNode();
        List<ObjectNode> merged = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String key = parser.currentName();
            JsonNode v = value(parser.nextToken());
            if (key.equals(MERGE_KEY)) {
                merged.addAll(mergeSources(v));
            } else {
                out.set(key, v);
            }
        }
        // YAML 1.1 merge keys: keys written in the mapping win, then earlier merged mappings over later ones.
        for (ObjectNode m : merged) {
            for (Entry<String, JsonNode> e : m.properties()) {
                if (!out.has(e.getKey())) {
                    out.set(e.getKey(), e.getValue().deepCopy());
                }
            }
        }
        return out;
    }

    private List<ObjectNode> mergeSources(JsonNode v) {
        if (v instanceof ObjectNode o) {
            return List.of(o);
        }
        List<ObjectNode> out = new ArrayList<>();
        if (v instanceof ArrayNode a) {
            for (JsonNode e : a) {
                if (!(e instanceof ObjectNode o)) {
                    throw error("a merge key (<<) takes a mapping or a list of mappings");
                }
                out.add(o);
            }
            return out;
        }
        throw error("a merge key (<<) takes a mapping or a list of mappings");
    }

    private ArrayNode array() throws IOException {
        ArrayNode out = NODES.arrayNode();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            out.add(value(t));
        }
        return out;
    }

    private UserError error(String message) {
        return new UserError(sourceName + " at line " + parser.currentTokenLocation().getLineNr() + ": " + message);
    }
}
