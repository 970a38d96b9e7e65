package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's objective normalization: its constants in the journal header (so a resumed run scores exactly as the
 * interrupted one did, whatever the sources score today), and the per-task values a multi-objective strategy is told.
 */
public final class Normalization {
    /** The journal header field holding the retention constants (absent: raw scores). */
    public static final String HEADER = "retention";

    private Normalization() {
    }

    /** The constants as JSON: {@code {task: {reference, base, top, log}}}; doubles round-trip exactly. */
    public static ObjectNode toJson(Objective.Retention r) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        r.tasks().forEach((t, c) -> {
            ObjectNode x = n.putObject(t);
            x.put("reference", c.reference());
            x.put("base", c.base());
            x.put("top", c.top());
            x.put("log", c.log());
        });
        return n;
    }

    /** The constants of a journal header's {@value #HEADER} field, or null when the run scored raw. */
    public static Objective.Retention fromHeader(JsonNode header) {
        JsonNode n = header.get(HEADER);
        if (n == null || n.isNull()) {
            return null;
        }
        Map<String, Objective.Retention.Task> tasks = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            JsonNode x = e.getValue();
            if (!x.path("base").isNumber() || !x.path("top").isNumber() || !x.path("reference").isTextual()) {
                throw new UserError("journal header field " + HEADER + "." + e.getKey()
                        + " needs reference, base and top");
            }
            tasks.put(e.getKey(), new Objective.Retention.Task(x.get("reference").asText(), x.get("base").asDouble(),
                    x.get("top").asDouble(), x.path("log").asBoolean(false)));
        });
        return new Objective.Retention(tasks);
    }

    /**
     * {@code strategy}, told each candidate's per-task values on the objective's scale instead of its raw scores (the
     * scalar fitness already is on it): what NSGA-II ranks and spaces its front by. Raw objectives: the strategy itself.
     */
    public static Strategy told(Strategy strategy, Objective objective) {
        if (objective.retention() == null) {
            return strategy;
        }
        return new Strategy() {
            @Override
            public List<Genome> ask() {
                return strategy.ask();
            }

            @Override
            public void tell(List<Genome> genomes, List<Fitness> results) {
                strategy.tell(genomes, results.stream().map(f -> values(f, objective)).toList());
            }

            @Override
            public boolean finished() {
                return strategy.finished();
            }

            @Override
            public String name() {
                return strategy.name();
            }
        };
    }

    /** A told fitness with its objective tasks on the objective's scale (a rejected candidate has none: unchanged). */
    static Fitness values(Fitness f, Objective objective) {
        if (!f.tasks().keySet().containsAll(objective.tasks())) {
            return f;
        }
        Map<String, Double> v = new LinkedHashMap<>(f.tasks());
        v.putAll(objective.values(f.tasks()));
        return new Fitness(v, f.scalar());
    }

    /**
     * The held-out counterpart of a run's normalized objective: the same reference model and scale per task, with the
     * base's and references' held-out scores ({@code scores} by source name, {@code base} included) as constants, so
     * a held-out retention of 0.7 means 70% of the reference's held-out gain. Raw objectives are returned unchanged.
     */
    public static Objective heldOut(Objective run, Map<String, Map<String, Double>> scores) {
        if (run.retention() == null) {
            return run;
        }
        Map<String, Double> base = scores.get(SearchSpaces.BASE);
        if (base == null) {
            return run.raw();
        }
        Map<String, Objective.Retention.Task> tasks = new LinkedHashMap<>();
        for (var e : run.retention().tasks().entrySet()) {
            Objective.Retention.Task c = e.getValue();
            Map<String, Double> ref = scores.get(c.reference());
            if (ref == null || !ref.containsKey(e.getKey()) || !base.containsKey(e.getKey())) {
                return run.raw();
            }
            tasks.put(e.getKey(), new Objective.Retention.Task(c.reference(),
                    Objective.Retention.scale(base.get(e.getKey()), c.log()),
                    Objective.Retention.scale(ref.get(e.getKey()), c.log()), c.log()));
        }
        return run.withRetention(new Objective.Retention(tasks));
    }
}
