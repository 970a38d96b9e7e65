package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict reader over one YAML/JSON mapping. Every key a caller asks for (present or not) becomes a known key;
 * {@link #done()} then refuses any other key by name, so a typo such as {@code max_token} is an error, never a
 * silently ignored setting. Messages name the place ({@code where}), the key and the offending value.
 */
public final class Fields {
    private final JsonNode node;
    private final String where;
    private final Set<String> asked = new LinkedHashSet<>();

    private Fields(JsonNode node, String where) {
        this.node = node;
        this.where = where;
    }

    /** Wraps a mapping; anything else (a list, a scalar, nothing) is refused. */
    public static Fields of(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new UserError(where + " must be a mapping of keys to values, but was "
                    + (node == null || node.isMissingNode() ? "empty" : describe(node)));
        }
        return new Fields(node, where);
    }

    public String where() {
        return where;
    }

    public boolean has(String key) {
        asked.add(key);
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** The raw value, or null when absent. */
    public JsonNode node(String key) {
        asked.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    public String string(String key) {
        String v = string(key, null);
        if (v == null) {
            throw missing(key);
        }
        return v;
    }

    public String string(String key, String fallback) {
        JsonNode v = node(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
            throw wrongType(key, "a string", v);
        }
        return v.asText();
    }

    public double number(String key) {
        if (!has(key)) {
            throw missing(key);
        }
        return number(key, Double.NaN);
    }

    public double number(String key, double fallback) {
        JsonNode v = node(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw wrongType(key, "a number", v);
        }
        double d = v.asDouble();
        if (!Double.isFinite(d)) {
            throw wrongType(key, "a finite number", v);
        }
        return d;
    }

    public int integer(String key, int fallback) {
        JsonNode v = node(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(key, "an integer", v);
        }
        return v.asInt();
    }

    public long longInteger(String key, long fallback) {
        JsonNode v = node(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(key, "an integer", v);
        }
        return v.asLong();
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode v = node(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw wrongType(key, "true or false", v);
        }
        return v.asBoolean();
    }

    /** A list of strings; a single string counts as a list of one. Absent gives an empty list. */
    public List<String> strings(String key) {
        JsonNode v = node(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.asText());
            return out;
        }
        if (!v.isArray()) {
            throw wrongType(key, "a list of strings", v);
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw wrongType(key, "a list of strings", v);
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A nested mapping, or null when absent. */
    public Fields object(String key) {
        JsonNode v = node(key);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw wrongType(key, "a mapping", v);
        }
        return new Fields(v, where + ", '" + key + "'");
    }

    /** The present keys, in file order (for open-ended mappings such as named sources). */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    /** Refuses keys that nobody asked for. */
    public void done() {
        for (String key : keys()) {
            if (!asked.contains(key)) {
                throw new UserError(where + ": unknown key '" + key + "' (known keys: " + String.join(", ", asked)
                        + ")");
            }
        }
    }

    /**
     * Checks a versioned file's {@code format} and {@code version} keys: a file of another kind, or of a version this
     * build does not read, is refused in one line.
     */
    public void requireFormat(String format, int version) {
        String actual = string("format");
        if (!actual.equals(format)) {
            throw invalid("format", "must be '" + format + "', but was '" + actual + "'");
        }
        JsonNode v = node("version");
        if (v == null) {
            throw missing("version");
        }
        if (!v.isInt()) {
            throw wrongType("version", "an integer", v);
        }
        if (v.asInt() != version) {
            throw new UserError(where + " has format version " + v.asText() + ", but this evomerge reads version "
                    + version + " only");
        }
    }

    public UserError missing(String key) {
        return new UserError(where + ": missing required key '" + key + "'");
    }

    public UserError wrongType(String key, String expected, JsonNode v) {
        return new UserError(where + ": '" + key + "' must be " + expected + ", but was " + describe(v));
    }

    public UserError invalid(String key, String problem) {
        return new UserError(where + ": '" + key + "' " + problem);
    }

    static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
