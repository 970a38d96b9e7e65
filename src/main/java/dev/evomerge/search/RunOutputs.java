package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import dev.evomerge.io.Markdown;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.ParamSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The files of a run directory computed from the journal alone: {@code leaderboard.csv}, {@code leaderboard.md} and
 * the best recipes as mergekit YAML under {@code best/}. Every file is written atomically (temp file + rename), so a
 * reader never sees half a leaderboard.
 */
final class RunOutputs {
    public static final String LEADERBOARD_CSV = "leaderboard.csv";
    public static final String LEADERBOARD_MD = "leaderboard.md";
    public static final String BEST_DIR = "best";
    public static final String RUN_JSON = "run.json";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private RunOutputs() {
    }

    /** Task names in first-seen order over the entries. */
    static List<String> tasks(List<JournalEntry> entries) {
        Set<String> tasks = new LinkedHashSet<>();
        for (JournalEntry e : entries) {
            tasks.addAll(new java.util.TreeMap<>(e.scores()).keySet());
        }
        return List.copyOf(tasks);
    }

    /**
     * {@code leaderboard.csv}: fully evaluated candidates best first. Columns: rank, index, generation, fitness, one
     * column per task (search-slice score), merge_seconds, eval_seconds, recipe (one-line summary).
     */
    public static String csv(List<JournalEntry> entries) {
        List<String> tasks = tasks(entries);
        StringBuilder sb = new StringBuilder("rank,index,generation,fitness");
        tasks.forEach(t -> sb.append(',').append(csvCell(t)));
        sb.append(",merge_seconds,eval_seconds,recipe\n");
        int rank = 0;
        for (JournalEntry e : SearchLoop.ranked(entries)) {
            sb.append(++rank).append(',').append(e.index()).append(',').append(e.generation()).append(',')
                    .append(e.fitness());
            for (String t : tasks) {
                Double v = e.scores().get(t);
                sb.append(',').append(v == null ? "" : v.toString());
            }
            sb.append(',').append(fmt(e.mergeSeconds())).append(',').append(fmt(e.evalSeconds())).append(',')
                    .append(csvCell(summary(e))).append('\n');
        }
        return sb.toString();
    }

    /** {@code leaderboard.md}: the top {@code rows} as a Markdown table, plus status counts. */
    public static String markdown(String runId, List<JournalEntry> entries, int rows) {
        List<String> tasks = tasks(entries);
        StringBuilder sb = new StringBuilder("# Leaderboard: ").append(runId).append("\n\n");
        Map<CandidateStatus, Long> counts = SearchLoop.counts(entries);
        sb.append(entries.size()).append(" candidates: ").append(counts.get(CandidateStatus.EVALUATED))
                .append(" evaluated, ").append(counts.get(CandidateStatus.PRUNED)).append(" pruned early, ")
                .append(counts.get(CandidateStatus.REJECTED)).append(" rejected before inference. Scores are on the")
                .append(" search slice (higher is better).\n\n");
        List<String> header = new ArrayList<>(List.of("rank", "#", "fitness"));
        header.addAll(tasks);
        header.add("recipe");
        Markdown.row(sb, header);
        List<Boolean> right = new ArrayList<>(Collections.nCopies(header.size() - 1, true));
        right.add(false);
        Markdown.rule(sb, right);
        int rank = 0;
        for (JournalEntry e : SearchLoop.ranked(entries)) {
            if (rank == rows) {
                break;
            }
            List<String> row = new ArrayList<>(List.of(Integer.toString(++rank), Integer.toString(e.index()),
                    fmt(e.fitness())));
            for (String t : tasks) {
                Double v = e.scores().get(t);
                row.add(v == null ? "" : fmt(v));
            }
            row.add("`" + summary(e).replace("|", "\\|") + "`");
            Markdown.row(sb, row);
        }
        return sb.toString();
    }

    /** One line: the method and each model's parameters, e.g. {@code ties; add: weight=0.41 density=0.5; ...}. */
    public static String summary(JournalEntry e) {
        List<String> parts = new ArrayList<>();
        if (e.recipeYaml() != null) {
            JsonNode r = yaml(e.recipeYaml());
            parts.add(r.path("merge_method").asText());
            if (r.has("parameters")) {
                parts.add(params(r.get("parameters")));
            }
            for (JsonNode m : r.path("models")) {
                parts.add(leaf(m.path("model").asText()) + ": " + params(m.path("parameters")));
            }
            for (JsonNode s : r.path("slices")) {
                for (JsonNode src : s.path("sources")) {
                    parts.add(leaf(src.path("model").asText()) + src.path("layer_range") + ": "
                            + params(src.path("parameters")));
                }
            }
        }
        if (e.layerPath() != null) {
            parts.add("path " + e.layerPath());
        }
        return String.join("; ", parts);
    }

    private static String params(JsonNode p) {
        List<String> kv = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            String value;
            if (v.isNumber()) {
                value = fmt(v.doubleValue());
            } else if (v.isArray()) {
                List<String> xs = new ArrayList<>();
                v.forEach(x -> xs.add(x.isNumber() ? fmt(x.doubleValue()) : x.toString()));
                value = "[" + String.join(" ", xs) + "]";
            } else {
                value = v.toString();
            }
            kv.add(f.getKey() + "=" + value);
        }
        return String.join(" ", kv);
    }

    private static String leaf(String path) {
        int i = path.replace('\\', '/').lastIndexOf('/');
        return i < 0 ? path : path.substring(i + 1);
    }

    /**
     * A recipe ready to be used from {@code targetDir}: relative model paths (written relative to
     * {@code recipeDirectory}) are rewritten relative to {@code targetDir}, since evomerge resolves a recipe's models
     * against the recipe file's directory. Everything else is the recipe as decoded.
     */
    public static String relocate(String recipeYaml, Path recipeDirectory, Path targetDir) {
        JsonNode root = yaml(recipeYaml);
        rewrite(root, recipeDirectory.toAbsolutePath().normalize(), targetDir.toAbsolutePath().normalize());
        try {
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rewrite(JsonNode node, Path from, Path to) {
        if (node instanceof ObjectNode o) {
            for (String key : List.of("model", "base_model", "tokenizer_source")) {
                JsonNode v = o.get(key);
                if (v != null && v.isTextual() && !(key.equals("tokenizer_source")
                        && (v.asText().equals("base") || v.asText().equals("union")))) {
                    Path p = Path.of(v.asText());
                    if (!p.isAbsolute()) {
                        o.set(key, TextNode.valueOf(to.relativize(from.resolve(p).normalize()).toString()));
                    }
                }
            }
            o.elements().forEachRemaining(c -> rewrite(c, from, to));
        } else if (node != null && node.isArray()) {
            node.forEach(c -> rewrite(c, from, to));
        }
    }

    /**
     * Writes {@code leaderboard.csv}, {@code leaderboard.md} and {@code best/rank-N.yaml} (mergekit recipes; a
     * candidate with a layer path also gets {@code best/rank-N.layer-path.txt}) for the top {@code k}.
     */
    public static void write(Path runDir, String runId, List<JournalEntry> entries, int k, Path recipeDirectory) {
        AtomicFiles.write(runDir.resolve(LEADERBOARD_CSV), csv(entries).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(runDir.resolve(LEADERBOARD_MD),
                markdown(runId, entries, Math.max(k, 20)).getBytes(StandardCharsets.UTF_8));
        Path best = runDir.resolve(BEST_DIR);
        int rank = 0;
        for (JournalEntry e : SearchLoop.ranked(entries)) {
            if (rank == k) {
                break;
            }
            rank++;
            if (e.recipeYaml() != null) {
                String header = String.format(Locale.ROOT, "# evomerge run %s, rank %d: candidate #%d, search-slice"
                        + " fitness %s%n", runId, rank, e.index(), fmt(e.fitness()));
                AtomicFiles.write(best.resolve("rank-" + rank + ".yaml"),
                        (header + relocate(e.recipeYaml(), recipeDirectory, best)).getBytes(StandardCharsets.UTF_8));
            }
            if (e.layerPath() != null) {
                AtomicFiles.write(best.resolve("rank-" + rank + ".layer-path.txt"),
                        (e.layerPath() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    public static final String SWEEP_CSV = "sweep.csv";

    /**
     * {@code sweep.csv}, heatmap-ready: one row per candidate with the value of every search-space parameter (its
     * first gene, in parameter units), then status, fitness and per-task scores.
     */
    public static void writeSweep(Path runDir, List<JournalEntry> entries,
                                  MergeSpace space, List<String> gridNames) {
        List<String> tasks = tasks(entries);
        List<ParamSpec> params = space.params();
        List<String> genes = space.geneNames();
        int[] first = new int[params.size()];
        for (int p = 0; p < params.size(); p++) {
            first[p] = -1;
            for (int g = 0; g < genes.size() && first[p] < 0; g++) {
                if (SearchRun.belongs(genes.get(g), params.get(p).name())) {
                    first[p] = g;
                }
            }
        }
        StringBuilder sb = new StringBuilder("index");
        params.forEach(p -> sb.append(',').append(csvCell(p.name())));
        sb.append(",status,fitness");
        tasks.forEach(t -> sb.append(',').append(csvCell(t)));
        sb.append('\n');
        for (JournalEntry e : entries) {
            sb.append(e.index());
            for (int p = 0; p < params.size(); p++) {
                double v = first[p] < 0 ? Double.NaN : params.get(p).value(e.genome().gene(first[p]));
                sb.append(',').append(first[p] < 0 ? "" : Double.toString(v));
            }
            sb.append(',').append(e.status()).append(',').append(Double.isFinite(e.fitness()) ? e.fitness() + "" : "");
            for (String t : tasks) {
                Double v = e.scores().get(t);
                sb.append(',').append(v == null ? "" : v.toString());
            }
            sb.append('\n');
        }
        AtomicFiles.write(runDir.resolve(SWEEP_CSV), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static void writeJson(Path file, JsonNode node) {
        AtomicFiles.write(file, Json.pretty(node));
    }

    static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
