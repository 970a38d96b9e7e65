package dev.evomerge.search;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.eval.SuiteResult;
import dev.evomerge.gate.GateFile;
import dev.evomerge.gate.GateReport;
import dev.evomerge.gate.GateResult;
import dev.evomerge.io.AtomicFiles;
import dev.evomerge.io.Markdown;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the {@link Finisher} writes once it has gated: {@code finish.json}, {@code finish.md}, and the scores, gate
 * report and model-card section of each accepted checkpoint. The gating itself decides nothing here.
 */
final class FinishFiles {
    private FinishFiles() {
    }

    /** Writes {@code finish.json} and {@code finish.md} into the run directory. */
    static void write(Path runDir, GateFile gateFile, Finisher.FinishResult result) {
        RunOutputs.writeJson(runDir.resolve("finish.json"), json(gateFile, result, runDir));
        AtomicFiles.write(runDir.resolve("finish.md"), markdown(gateFile, result).getBytes(StandardCharsets.UTF_8));
    }

    /** Adds the scores and the gate report to an accepted checkpoint, and a scores section to its model card. */
    static void annotate(Path dir, JournalEntry e, GateReport report) {
        ObjectNode scores = JsonNodeFactory.instance.objectNode();
        scores.put("candidate", e.index());
        scores.put("search_fitness", e.fitness());
        ObjectNode s = scores.putObject("search");
        e.scores().forEach(s::put);
        SuiteResult held = report.scores().get("candidate");
        if (held != null) {
            ObjectNode h = scores.putObject(report.file().slice());
            Staging.scores(held).forEach(h::put);
        }
        RunOutputs.writeJson(dir.resolve("scores.json"), scores);
        RunOutputs.writeJson(dir.resolve("gate-report.json"), report.toJson());
        try {
            Path card = dir.resolve("README.md");
            StringBuilder md = new StringBuilder(Files.exists(card) ? Files.readString(card) : "# Merged model\n");
            md.append("\n## Scores\n\nSearch slice fitness ").append(RunOutputs.fmt(e.fitness()))
                    .append(" (candidate #").append(e.index()).append(").\n\n");
            Markdown.row(md, held != null ? List.of("task", "search", report.file().slice()) : List.of("task", "search"));
            Markdown.rule(md, held != null ? List.of(false, true, true) : List.of(false, true));
            Map<String, Double> h = held == null ? Map.of() : Staging.scores(held);
            for (var t : e.scores().entrySet()) {
                List<String> row = new ArrayList<>(List.of(t.getKey(), RunOutputs.fmt(t.getValue())));
                if (held != null) {
                    Double v = h.get(t.getKey());
                    row.add(v == null ? "" : RunOutputs.fmt(v));
                }
                Markdown.row(md, row);
            }
            md.append("\n## Release gates\n\n").append(report.summary()).append("\n\n```\n");
            report.lines().forEach(l -> md.append(l).append('\n'));
            md.append("```\n");
            Files.writeString(card, md.toString());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static ObjectNode json(GateFile gateFile, Finisher.FinishResult result, Path runDir) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("format", Finisher.FORMAT);
        root.put("version", Finisher.VERSION);
        root.put("gates_file", gateFile.file().toString());
        root.put("slice", gateFile.slice());
        ArrayNode cands = root.putArray("candidates");
        for (Finisher.Finalist o : result.outcomes()) {
            ObjectNode c = cands.addObject();
            c.put("rank", o.rank());
            c.put("index", o.entry().index());
            c.put("search_fitness", o.entry().fitness());
            ObjectNode s = c.putObject("search_scores");
            o.entry().scores().forEach(s::put);
            ObjectNode h = c.putObject("heldout_scores");
            o.heldout().forEach(h::put);
            c.put("accepted", o.accepted());
            c.put("checkpoint", o.checkpoint() == null ? null : runDir.relativize(o.checkpoint()).toString());
            ArrayNode failed = c.putArray("failed_gates");
            for (GateResult r : o.report().results()) {
                if (!r.passed()) {
                    ObjectNode g = failed.addObject();
                    g.put("index", r.gate().index());
                    g.put("gate", r.gate().describe());
                    g.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
                    putNumber(g, "measured", r.measured());
                    putNumber(g, "threshold", r.threshold());
                    putNumber(g, "margin", r.margin());
                    g.put("note", r.note());
                }
            }
            c.set("gate_report", o.report().toJson());
        }
        ObjectNode refs = root.putObject("references");
        result.references().forEach((n, m) -> {
            ObjectNode r = refs.putObject(n);
            m.forEach(r::put);
        });
        return root;
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    static String markdown(GateFile gateFile, Finisher.FinishResult result) {
        StringBuilder md = new StringBuilder("# Finish: top candidates on the ").append(gateFile.slice())
                .append(" slice\n\n");
        long accepted = result.outcomes().stream().filter(Finisher.Finalist::accepted).count();
        md.append(accepted).append(" of ").append(result.outcomes().size())
                .append(" candidates passed every gate in ").append(gateFile.file().getFileName()).append(".\n\n");
        List<String> tasks = new ArrayList<>();
        result.references().values().forEach(m -> m.keySet().forEach(t -> {
            if (!tasks.contains(t)) {
                tasks.add(t);
            }
        }));
        result.outcomes().forEach(o -> o.heldout().keySet().forEach(t -> {
            if (!tasks.contains(t)) {
                tasks.add(t);
            }
        }));
        md.append("| model |");
        tasks.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append(" gates |\n|---|");
        tasks.forEach(t -> md.append("---:|"));
        md.append("---|\n");
        result.references().forEach((n, m) -> {
            md.append("| ").append(n).append(" (source) |");
            tasks.forEach(t -> md.append(' ').append(m.containsKey(t) ? RunOutputs.fmt(m.get(t)) : "").append(" |"));
            md.append(" |\n");
        });
        for (Finisher.Finalist o : result.outcomes()) {
            md.append("| rank ").append(o.rank()).append(" (#").append(o.entry().index()).append(") |");
            Map<String, Double> h = o.heldout();
            tasks.forEach(t -> md.append(' ').append(h.containsKey(t) ? RunOutputs.fmt(h.get(t)) : "").append(" |"));
            md.append(o.accepted() ? " PASS |" : " FAIL |").append('\n');
        }
        for (Finisher.Finalist o : result.outcomes()) {
            md.append("\n## Rank ").append(o.rank()).append(": candidate #").append(o.entry().index()).append(" — ")
                    .append(o.report().summary()).append("\n\n");
            if (o.checkpoint() != null) {
                md.append("Checkpoint: `").append(Finisher.ACCEPTED_DIR).append('/').append(o.checkpoint().getFileName())
                        .append("`\n\n");
            }
            md.append("```\n");
            o.report().lines().forEach(l -> md.append(l).append('\n'));
            md.append("```\n");
        }
        return md.toString();
    }
}
