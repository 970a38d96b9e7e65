package dev.evomerge.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One JSONL record of a task. {@code id} is the record's {@code "id"} field when it has one, otherwise a SHA-256 of
 * its content with keys sorted, so the same example is recognised wherever it appears (slice overlap checks, the
 * hash split).
 */
public record Example(String id, ObjectNode fields, Path file, int line) {
    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(file, "file");
        if (line < 1) {
            throw new IllegalArgumentException("line must be at least 1, but was " + line);
        }
        fields = fields.deepCopy();
    }

    @Override
    public ObjectNode fields() {
        return fields.deepCopy();
    }

    /** One field's value (a copy), or null when absent. */
    public com.fasterxml.jackson.databind.JsonNode field(String name) {
        com.fasterxml.jackson.databind.JsonNode v = fields.get(name);
        return v == null ? null : v.deepCopy();
    }

    /** "file line N", for messages. */
    public String origin() {
        return file + " line " + line;
    }
}
