package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A prompt template: literal text with {@code {field}} placeholders filled from an example's JSON fields.
 * {@code {{} and {@code }}} stand for literal braces. Parsed once, so a malformed template fails at suite load.
 */
public final class Template {
    private final String source;
    /** Alternating literal / field-name parts; even indices are literals. */
    private final List<String> parts;

    private Template(String source, List<String> parts) {
        this.source = source;
        this.parts = parts;
    }

    /** Parses {@code source}; {@code where} names the suite, task and key for error messages. */
    public static Template parse(String source, String where) {
        Objects.requireNonNull(source, "source");
        List<String> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '{' && i + 1 < source.length() && source.charAt(i + 1) == '{') {
                literal.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < source.length() && source.charAt(i + 1) == '}') {
                literal.append('}');
                i += 2;
            } else if (c == '{') {
                int end = source.indexOf('}', i);
                if (end < 0) {
                    throw new UserError(where + ": unclosed '{' at position " + i + " of template \"" + source + "\"");
                }
                String name = source.substring(i + 1, end).strip();
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new UserError(where + ": '{" + name + "}' is not a field name in template \"" + source
                            + "\" (write {{ and }} for literal braces)");
                }
                parts.add(literal.toString());
                parts.add(name);
                literal.setLength(0);
                i = end + 1;
            } else if (c == '}') {
                throw new UserError(where + ": unmatched '}' at position " + i + " of template \"" + source
                        + "\" (write }} for a literal brace)");
            } else {
                literal.append(c);
                i++;
            }
        }
        parts.add(literal.toString());
        return new Template(source, List.copyOf(parts));
    }

    public String source() {
        return source;
    }

    public Set<String> fieldNames() {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 1; i < parts.size(); i += 2) {
            names.add(parts.get(i));
        }
        return names;
    }

    /** Fills the placeholders; {@code use} (e.g. "task 'arith' prompt") goes into the error when a field is absent. */
    public String render(Example example, String use) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (i % 2 == 0) {
                out.append(parts.get(i));
            } else {
                out.append(scalar(example, parts.get(i), use));
            }
        }
        return out.toString();
    }

    static String scalar(Example example, String field, String use) {
        JsonNode v = example.field(field);
        if (v == null || v.isNull()) {
            throw new UserError(example.origin() + ": example has no field '" + field + "' (used by " + use + ")");
        }
        if (v.isContainerNode()) {
            throw new UserError(example.origin() + ": field '" + field + "' must be a string or number (used by "
                    + use + "), but was " + Fields.describe(v));
        }
        return v.asText();
    }

    @Override
    public String toString() {
        return source;
    }
}
