package dev.evomerge.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A run's append-only {@code journal.jsonl} (format {@value #FORMAT}, version {@value #VERSION}): a header line with
 * the run configuration, then one JSON line per finished candidate ({@link JournalEntry}), each forced to disk before
 * the next candidate is told to the strategy. A kill -9 can leave at most a torn last line (one without its newline),
 * which {@link #read} drops and {@link #append} truncates away, so the run resumes from the last complete candidate.
 * Every complete line must be one entry and nothing else, numbered in order, with the header's gene count and
 * strategy, and no genome twice; anything else is corruption, refused with its line number.
 */
public final class Journal implements AutoCloseable {
    public static final String FORMAT = "evomerge-journal";
    public static final int VERSION = 2;
    public static final String FILE = "journal.jsonl";
    /** Header field: SHA-256 of the header line without this field, so an edited seed or strategy is refused. */
    static final String CHECKSUM = "header_sha256";

    static final ObjectMapper JSON = new ObjectMapper();
    /** Reads one JSON value per line and nothing after it. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** What {@link #read} found: the header, the complete entries, and whether a torn last line was dropped. */
    public record Contents(ObjectNode header, List<JournalEntry> entries, boolean tornTail, long validBytes) {
        public Contents {
            Objects.requireNonNull(header, "header");
            entries = List.copyOf(entries);
        }
    }

    private final Path file;
    private final FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates a new journal with its header; refuses to overwrite an existing one. */
    public static Journal create(Path file, ObjectNode config) {
        if (Files.exists(file)) {
            throw new UserError(file + " already exists; resume that run or choose another run id");
        }
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        header.put("format", FORMAT);
        header.put("version", VERSION);
        header.setAll(config);
        sign(header);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.APPEND);
            Journal j = new Journal(file, ch);
            j.writeLine(header);
            return j;
        } catch (IOException e) {
            throw new UserError("cannot create journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing journal for appending after its last complete line (a torn tail is cut off first). */
    public static Journal append(Path file, Contents contents) {
        try {
            try (FileChannel cut = FileChannel.open(file, StandardOpenOption.WRITE)) {
                cut.truncate(contents.validBytes());
                cut.force(true);
            }
            return new Journal(file, FileChannel.open(file, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UserError("cannot open journal " + file + " for appending: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the header of a journal read as {@code contents} (under the run's lock): the new header, signed, then
     * the complete entries as they were; written to a temporary file and renamed over the journal.
     */
    public static Contents replaceHeader(Path file, Contents contents, ObjectNode header) {
        ObjectNode h = header.deepCopy();
        h.remove(CHECKSUM);
        sign(h);
        try {
            byte[] old = Files.readAllBytes(file);
            int firstNewline = 0;
            while (old[firstNewline] != '\n') {
                firstNewline++;
            }
            byte[] head = (JSON.writeValueAsString(h) + "\n").getBytes(StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(head);
            out.write(old, firstNewline + 1, (int) contents.validBytes() - firstNewline - 1);
            AtomicFiles.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UserError("cannot rewrite the header of journal " + file + ": " + e.getMessage(), e);
        }
        return read(file);
    }

    private static void sign(ObjectNode header) {
        header.put(CHECKSUM, checksum(header));
    }

    private static String checksum(ObjectNode header) {
        ObjectNode unsigned = header.deepCopy();
        unsigned.remove(CHECKSUM);
        try {
            return Sha256.of(JSON.writeValueAsBytes(unsigned));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Appends one finished candidate and forces it to disk. The channel is opened with O_APPEND and a line goes out in
     * one write, so even a writer that ignored the {@link RunLock} could not overwrite or interleave a line.
     */
    public synchronized void write(JournalEntry entry) {
        writeLine(toJson(entry));
    }

    private void writeLine(JsonNode node) {
        try {
            byte[] line = (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to journal " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a journal. Refuses a file that is not a journal or has another format version; a last line without its
     * newline is a write torn by a kill and is dropped; any bad complete line is corruption.
     */
    public static Contents read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError("cannot read journal " + file + ": " + e.getMessage(), e);
        }
        List<int[]> lines = new ArrayList<>(); // [start, end) without the newline
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(new int[] {start, i});
                start = i + 1;
            }
        }
        boolean unterminated = start < bytes.length;
        if (lines.isEmpty()) {
            throw new UserError("journal " + file + " has no complete header line");
        }
        ObjectNode header = parseHeader(file, new String(bytes, lines.getFirst()[0],
                lines.getFirst()[1] - lines.getFirst()[0], StandardCharsets.UTF_8));
        int genes = header.path("gene_names").isArray() ? header.get("gene_names").size() : -1;
        String strategy = header.path("strategy").isTextual() ? header.get("strategy").asText() : null;
        List<JournalEntry> entries = new ArrayList<>();
        Map<Genome, Integer> seen = new java.util.HashMap<>();
        long valid = lines.getFirst()[1] + 1L;
        for (int k = 1; k < lines.size(); k++) {
            int[] l = lines.get(k);
            String text = new String(bytes, l[0], l[1] - l[0], StandardCharsets.UTF_8);
            int lineNo = k + 1;
            JournalEntry e;
            try {
                e = fromJson(STRICT.readTree(text));
            } catch (JsonProcessingException ex) {
                throw corrupt(file, lineNo, ex.getOriginalMessage());
            } catch (IOException | RuntimeException ex) {
                throw corrupt(file, lineNo, ex.getMessage());
            }
            if (e.index() != entries.size()) {
                throw corrupt(file, lineNo, "candidate index " + e.index() + " where index " + entries.size()
                        + " belongs");
            }
            if (genes >= 0 && e.genome().size() != genes) {
                throw corrupt(file, lineNo, "the genome has " + e.genome().size() + " genes, but the header names "
                        + genes);
            }
            if (strategy != null && !strategy.equals(e.strategy())) {
                throw corrupt(file, lineNo, "strategy '" + e.strategy() + "' in a '" + strategy + "' run");
            }
            Integer before = seen.putIfAbsent(e.genome(), lineNo);
            if (before != null) {
                throw corrupt(file, lineNo, "the genome of line " + before + " again");
            }
            entries.add(e);
            valid = l[1] + 1L;
        }
        return new Contents(header, entries, unterminated, valid);
    }

    private static UserError corrupt(Path file, int line, String what) {
        String oneLine = String.valueOf(what).replaceAll("\\s*\\R\\s*", " ");
        return new UserError("journal " + file + " line " + line + " is corrupt (" + oneLine + "); only a torn last "
                + "line (one without its newline) can be recovered");
    }

    private static ObjectNode parseHeader(Path file, String text) {
        JsonNode h;
        try {
            h = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UserError("journal " + file + " has an unreadable header line (" + e.getOriginalMessage() + ")");
        }
        if (!(h instanceof ObjectNode o) || !FORMAT.equals(o.path("format").asText())) {
            throw new UserError(file + " is not an evomerge journal (its first line must have format '" + FORMAT
                    + "')");
        }
        if (o.path("version").isInt() && o.get("version").asInt() == 1) {
            throw new UserError("journal " + file + " is format version 1, written before runs recorded their inputs'"
                    + " identity, so a resume could not tell an edited space, suite or gates file; this evomerge"
                    + " resumes version " + VERSION + " only: start a new run (the old run's files stay as they are)");
        }
        if (!o.path("version").isInt() || o.get("version").asInt() != VERSION) {
            throw new UserError("journal " + file + " has format version " + o.path("version")
                    + ", but this evomerge reads version " + VERSION + " only");
        }
        if (!o.path(CHECKSUM).isTextual() || !o.get(CHECKSUM).asText().equals(checksum(o))) {
            throw new UserError("journal " + file + " has an edited header (its " + CHECKSUM + " does not match its"
                    + " fields); a run's seed, strategy and options cannot change once it has started");
        }
        return o;
    }

    /** One entry as its JSON line; a rejected candidate's -Infinity fitness is written as null (JSON has none). */
    public static ObjectNode toJson(JournalEntry e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("index", e.index());
        o.put("generation", e.generation());
        o.put("strategy", e.strategy());
        ArrayNode g = o.putArray("genome");
        for (double v : e.genome().genes()) {
            g.add(v);
        }
        o.put("recipe", e.recipeYaml());
        o.put("layer_path", e.layerPath());
        ObjectNode scores = o.putObject("scores");
        new java.util.TreeMap<>(e.scores()).forEach(scores::put);
        if (Double.isFinite(e.fitness())) {
            o.put("fitness", e.fitness());
        } else {
            o.putNull("fitness");
        }
        o.put("status", e.status().toString());
        o.put("reason", e.reason());
        o.put("merge_seconds", e.mergeSeconds());
        o.put("eval_seconds", e.evalSeconds());
        o.put("epoch_millis", e.epochMillis());
        return o;
    }

    public static JournalEntry fromJson(JsonNode o) {
        JsonNode genes = required(o, "genome");
        if (!genes.isArray()) {
            throw new IllegalArgumentException("field 'genome' is not an array");
        }
        double[] g = new double[genes.size()];
        for (int i = 0; i < g.length; i++) {
            if (!genes.get(i).isNumber()) {
                throw new IllegalArgumentException("genome gene " + i + " is " + genes.get(i) + ", not a number");
            }
            g[i] = genes.get(i).doubleValue();
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = required(o, "scores").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            scores.put(s.getKey(), s.getValue().doubleValue());
        }
        JsonNode fitness = required(o, "fitness");
        return new JournalEntry(required(o, "index").intValue(), required(o, "generation").intValue(),
                required(o, "strategy").asText(), new Genome(g), text(o, "recipe"), text(o, "layer_path"), scores,
                fitness.isNull() ? Double.NEGATIVE_INFINITY : fitness.doubleValue(), CandidateStatus.parse(required(o, "status").asText()),
                text(o, "reason"), o.path("merge_seconds").asDouble(), o.path("eval_seconds").asDouble(),
                o.path("epoch_millis").asLong());
    }

    private static JsonNode required(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null) {
            throw new IllegalArgumentException("field '" + field + "' is missing");
        }
        return v;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
