package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Json;
import dev.evomerge.eval.Scorer;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateReport;
import dev.evomerge.gate.GateRunner;
import dev.evomerge.io.Trees;
import dev.evomerge.merge.MergeEngine;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.PerLayerLists;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.model.LayerPath;
import dev.evomerge.model.ModelConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The end of a run, and the only place that touches the held-out slice (what it writes is {@link FinishFiles}): the top-k candidates are written as
 * checkpoints, re-scored on the gate file's slice and gated ({@link GateRunner}). Accepted ones move to
 * {@code accepted/<name>/} with their recipe, scores and model card; rejected ones are deleted and listed in
 * {@code finish.md}/{@code finish.json} with each failing gate and its margin, and so is any earlier finish's
 * checkpoint under {@code accepted/} that this one did not accept.
 */
public final class Finisher {
    public static final String FORMAT = "evomerge-finish";
    public static final int VERSION = 1;
    public static final String ACCEPTED_DIR = "accepted";

    /** One gated candidate. {@code checkpoint} is the accepted directory, or null when rejected. */
    public record Finalist(int rank, JournalEntry entry, GateReport report, Path checkpoint) {
        public boolean accepted() {
            return report.accepted();
        }

        /** Held-out per-task primary scores (empty when no metric gate made the gates score the candidate). */
        public Map<String, Double> heldout() {
            SuiteResult r = report.scores().get("candidate");
            return r == null ? Map.of() : Staging.scores(r);
        }
    }

    /** The finish of a run, with the references' held-out scores for comparison tables. */
    public record FinishResult(List<Finalist> outcomes, Map<String, Map<String, Double>> references) {
        public FinishResult {
            outcomes = List.copyOf(outcomes);
            references = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(references));
        }

        public Finalist bestAccepted() {
            return outcomes.stream().filter(Finalist::accepted).findFirst().orElse(null);
        }
    }

    private final SearchSpace space;
    private final CandidateMerger merger;
    private final GateRunner gates;
    private final Scorer scorer;
    private final PrintWriter log;

    public Finisher(SearchSpace space, CandidateMerger merger, GateRunner gates, Scorer scorer, PrintWriter log) {
        this.space = Objects.requireNonNull(space, "space");
        this.merger = Objects.requireNonNull(merger, "merger");
        this.gates = Objects.requireNonNull(gates, "gates");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.log = log;
    }

    /**
     * Gates the top {@code k} fully evaluated candidates of {@code entries} and scores {@code references} (name to
     * checkpoint directory, e.g. the sources) on the gate slice; writes {@code finish.json} and {@code finish.md}.
     */
    public FinishResult finish(Path runDir, GateFile gateFile, List<JournalEntry> entries, int k,
                         Map<String, Path> references) {
        List<Finalist> outcomes = new ArrayList<>();
        Path work = runDir.resolve(".finish");
        int rank = 0;
        for (JournalEntry e : SearchLoop.ranked(entries)) {
            if (rank == k) {
                break;
            }
            rank++;
            String name = "rank-" + rank + "-c" + e.index();
            if (log != null) {
                log.println("evomerge: finish: writing candidate #" + e.index() + " (rank " + rank + " of the top "
                        + k + ") and scoring it on the " + gateFile.slice() + " slice");
                log.flush();
            }
            Path dir = write(merger, space.decode(e.genome()), work.resolve(name), name);
            GateReport report = gates.run(gateFile, dir, 0, false, log);
            Path kept = null;
            if (report.accepted()) {
                kept = runDir.resolve(ACCEPTED_DIR).resolve(name);
                FinishFiles.annotate(dir, e, report);
                move(dir, kept);
            } else {
                Trees.delete(dir);
            }
            outcomes.add(new Finalist(rank, e, report, kept));
            if (log != null) {
                log.println("evomerge: candidate #" + e.index() + " (rank " + rank + "): " + report.summary());
                report.lines().forEach(l -> log.println("  " + l));
                log.flush();
            }
        }
        Trees.delete(work);
        removeStale(runDir.resolve(ACCEPTED_DIR), outcomes);
        Map<String, Map<String, Double>> refs = new LinkedHashMap<>();
        references.forEach((n, dir) -> refs.put(n, Staging.scores(scorer.score(dir, n, gateFile.suite(),
                gateFile.slice(), 0).result())));
        FinishResult result = new FinishResult(outcomes, refs);
        FinishFiles.write(runDir, gateFile, result);
        return result;
    }

    /**
     * Writes a candidate as a checkpoint: the merge engine for a recipe, the layer path's export otherwise. The
     * finish and {@code export} both write through here, so an exported candidate has the finish's bytes.
     */
    static Path write(CandidateMerger merger, Candidate c, Path dir, String name) {
        if (c.layerPath() == null) {
            MergePlan plan = merger.plan(c.recipe(), name);
            return merger.engine().write(plan, dir, 4L << 30, true, MergeEngine.Progress.NONE);
        }
        try (CandidateMerger.Merged m = merger.materializeAsWritten(c, name)) {
            ModelConfig config = m.config();
            ObjectNode configJson = pathConfig(merger, c, name);
            m.path().exportAsCheckpoint(config, m.sources(), dir, true);
            AtomicFiles.write(dir.resolve(Checkpoint.CONFIG_FILE), Json.pretty(configJson));
            Path tokenizerFrom = tokenizerDirectory(merger, c);
            for (String f : Checkpoint.TOKENIZER_FILES) {
                Path src = tokenizerFrom.resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (c.recipe() != null) {
                Files.writeString(dir.resolve("mergekit_config.yml"), c.recipe().toYaml());
            }
            Files.writeString(dir.resolve("layer_path.txt"), c.layerPath() + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The config.json of a layer path's checkpoint: its first source's (every key kept: dtype, rope and window
     * settings the runtime does not read) with {@code num_hidden_layers} the path's length and each per-layer list
     * ({@link PerLayerLists}) rebuilt so that output layer i has the entry of the source layer step i
     * copies; transformers refuses a {@code layer_types} of another length. A source whose list does not have one
     * entry per layer is refused, naming its config file and the key.
     */
    static ObjectNode pathConfig(CandidateMerger merger, Candidate c, String name) {
        List<JsonNode> configs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String ref : c.pathSources()) {
            if (Candidate.MERGED.equals(ref)) {
                configs.add(merger.plan(c.recipe(), name).config());
                files.add(Path.of(name + " (its merged model's config)"));
            } else {
                Checkpoint from = merger.checkpoint(new ModelRef(ref), merger.recipeDirectory());
                configs.add(from.config());
                files.add(from.dir().resolve(Checkpoint.CONFIG_FILE));
            }
        }
        ObjectNode out = configs.getFirst().deepCopy();
        List<LayerPath.Step> steps = c.layerPath().steps();
        out.put("num_hidden_layers", steps.size());
        PerLayerLists.rebuild(out, () -> steps.stream().map(st -> new PerLayerLists.Origin(configs.get(st.source()),
                configs.get(st.source()).path("num_hidden_layers").asInt(), files.get(st.source()).toString(),
                st.layer())).toList(), key -> key);
        return out;
    }

    private static Path tokenizerDirectory(CandidateMerger merger, Candidate c) {
        if (c.recipe() != null) {
            var loaded = merger.loaded(c.recipe(), "candidate");
            var ref = c.recipe().baseModel() != null ? c.recipe().baseModel()
                    : c.recipe().referencedModels().getFirst();
            return loaded.resolve(ref);
        }
        return new ModelRef(c.pathSources().getFirst()).resolve(merger.recipeDirectory());
    }

    /**
     * Deletes every checkpoint under {@code accepted/} that this finish did not accept: after a resume with tightened
     * gates (or more candidates, which re-rank) an earlier finish's checkpoint may no longer pass, and
     * {@code accepted/} must hold only what {@code finish.json} accepts. Each can be rebuilt from its recipe.
     */
    private void removeStale(Path acceptedDir, List<Finalist> outcomes) {
        if (!Files.isDirectory(acceptedDir)) {
            return;
        }
        List<Path> kept = outcomes.stream().map(Finalist::checkpoint).filter(Objects::nonNull).toList();
        try (Stream<Path> s = Files.list(acceptedDir)) {
            for (Path p : s.filter(p -> !kept.contains(p)).toList()) {
                Trees.delete(p);
                if (log != null) {
                    log.println("evomerge: removed " + p + ", which this finish did not accept");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + acceptedDir, e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Trees.delete(to);
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }
}
