package dev.evomerge.search.refine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.search.Genome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The run's gradients, one JSON line per genome refined from (forced to disk like the journal), so a resumed run
 * replays its refinement steps without computing a gradient again: the journal answers the evaluations, this file the
 * gradients. The oracle itself is made on the first gradient this file lacks (it holds a float32 copy of the model
 * and the task vectors; a run that never refines, or a resumed one that only replays, never builds it).
 *
 * <p>Format: a header line {@code {"format": "evomerge-refine-gradients", "version": 1}}, then
 * {@code {"genome": [...], "loss": x, "gradient": [...]}} per line. Doubles round-trip exactly through Jackson, so
 * a replayed step is bit-identical. A torn last line (a killed write) is dropped.
 */
public final class GradientLog implements GradientOracle, AutoCloseable {
    public static final String FILE = "refine-gradients.jsonl";
    static final String FORMAT = "evomerge-refine-gradients";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Function<Genome, GradientOracle> factory;
    private final Map<Genome, Gradient> known = new HashMap<>();
    private GradientOracle oracle;
    private int computed;

    /** The log at {@code file} (read if it exists), computing missing gradients with {@code factory.apply(at)}. */
    public GradientLog(Path file, Function<Genome, GradientOracle> factory) {
        this.file = file;
        this.factory = factory;
        if (Files.isRegularFile(file)) {
            read();
        }
    }

    private void read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n;
            try {
                n = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                if (i == lines.size() - 1) {
                    // Torn by a kill mid-write: dropped, and computed again.
                    try {
                        Files.writeString(file, String.join("\n", lines.subList(0, i)) + (i > 0 ? "\n" : ""),
                                StandardCharsets.UTF_8);
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                    break;
                }
                throw new UserError(file + " line " + (i + 1) + " is not JSON: " + e.getMessage());
            }
            if (i == 0) {
                if (!FORMAT.equals(n.path("format").asText()) || n.path("version").asInt() != VERSION) {
                    throw new UserError(file + " is not an " + FORMAT + " file of version " + VERSION + " (header "
                            + lines.get(0) + ")");
                }
                continue;
            }
            known.put(new Genome(doubles(n.get("genome"))),
                    new Gradient(n.get("loss").asDouble(), doubles(n.get("gradient"))));
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).asDouble();
        }
        return d;
    }

    @Override
    public Gradient at(Genome genome) {
        Gradient g = known.get(genome);
        if (g != null) {
            return g;
        }
        if (oracle == null) {
            oracle = factory.apply(genome);
        }
        g = oracle.at(genome);
        computed++;
        append(genome, g);
        known.put(genome, g);
        return g;
    }

    private void append(Genome genome, Gradient g) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            StringBuilder out = new StringBuilder();
            if (ch.size() == 0) {
                ObjectNode h = JSON.createObjectNode();
                h.put("format", FORMAT);
                h.put("version", VERSION);
                out.append(JSON.writeValueAsString(h)).append('\n');
            }
            ObjectNode n = JSON.createObjectNode();
            ArrayNode ge = n.putArray("genome");
            for (double v : genome.genes()) {
                ge.add(v);
            }
            n.put("loss", g.loss());
            ArrayNode gr = n.putArray("gradient");
            for (double v : g.gradient()) {
                gr.add(v);
            }
            out.append(JSON.writeValueAsString(n)).append('\n');
            ch.write(ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Gradients this process computed (not read back from the file). */
    public int computed() {
        return computed;
    }

    @Override
    public void close() {
        if (oracle instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the gradient oracle", e);
            }
        }
    }
}
