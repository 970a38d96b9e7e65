package dev.evomerge.gate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import dev.evomerge.eval.Fields;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.Task;
import dev.evomerge.eval.TaskType;
import dev.evomerge.io.StrictYaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A gate file (format {@value #FORMAT}, version {@value #VERSION}; see docs/eval-and-gates.md): the suite and slice
 * to score on, the base and named source models (paths relative to the gate file), and the gates. Every task,
 * metric and source a gate names is checked against the suite and the declared models when the file is loaded.
 */
public record GateFile(Path file, Suite suite, String slice, Path base, Map<String, Path> sources, List<Gate> gates) {
    public static final String FORMAT = "evomerge-gates";
    public static final int VERSION = 1;
    /** The reference name of the base model in gates. */
    public static final String BASE = "base";

    public GateFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(slice, "slice");
        sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        gates = List.copyOf(gates);
    }

    /** The directory of a reference model: "base" or a named source. */
    public Path reference(String name) {
        return BASE.equals(name) ? base : sources.get(name);
    }

    public static GateFile load(Path file) {
        Fields root = Fields.of(StrictYaml.read(file), "gates " + file);
        root.requireFormat(FORMAT, VERSION);
        Path dir = file.toAbsolutePath().getParent();
        Suite suite = Suite.load(dir.resolve(root.string("suite")));
        String slice = root.string("slice", "heldout");
        if (!suite.sliceNames().contains(slice)) {
            throw root.invalid("slice", "names '" + slice + "', which suite " + suite.file() + " does not have (slices: "
                    + String.join(", ", suite.sliceNames()) + ")");
        }
        boolean confidenceDefault = root.bool("confidence", false);
        String baseRel = root.string(BASE, null);
        Path base = baseRel == null ? null : dir.resolve(baseRel);
        Map<String, Path> sources = new LinkedHashMap<>();
        Fields src = root.object("sources");
        if (src != null) {
            for (String name : src.keys()) {
                if (name.equals(BASE) || name.equals("candidate")) {
                    throw src.invalid(name, "is a reserved name; call the source something else");
                }
                sources.put(name, dir.resolve(src.string(name)));
            }
            src.done();
        }
        JsonNode list = root.node("gates");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw root.invalid("gates", "must be a non-empty list of gates");
        }
        List<Gate> gates = new ArrayList<>();
        for (JsonNode g : list) {
            gates.add(parseGate(Fields.of(g, "gates " + file + ", gate #" + (gates.size() + 1)), gates.size() + 1,
                    suite, base, sources, confidenceDefault));
        }
        root.done();
        return new GateFile(file, suite, slice, base, sources, gates);
    }

    private static Gate parseGate(Fields g, int index, Suite suite, Path base, Map<String, Path> sources,
            boolean confidenceDefault) {
        Fields l2 = g.object("l2_distance");
        if (l2 != null) {
            double max = l2.number("max");
            if (max < 0) {
                throw l2.invalid("max", "must be >= 0, but was " + max);
            }
            boolean relative = l2.bool("relative", false);
            l2.done();
            g.done();
            if (base == null) {
                throw new UserError(g.where() + ": l2_distance measures from the base, so the file needs 'base'");
            }
            return new Gate.Distance(index, max, relative);
        }
        String taskName = g.string("task");
        if (suite.tasks().stream().noneMatch(t -> t.name().equals(taskName))) {
            throw g.invalid("task", "names unknown task '" + taskName + "' (suite " + suite.file() + " has: "
                    + String.join(", ", suite.tasks().stream().map(Task::name).toList()) + ")");
        }
        Task task = suite.task(taskName);
        TaskType type = task.type();
        String metric = type.requireMetric(g.string("metric", task.metric()), g.where());
        boolean higher = type.higherIsBetter(metric);
        List<Gate.Kind> kinds = new ArrayList<>();
        for (Gate.Kind k : Gate.Kind.values()) {
            if (g.has(k.key)) {
                kinds.add(k);
            }
        }
        if (kinds.size() != 1) {
            throw new UserError(g.where() + ": give exactly one of min, max, min_relative, max_relative, max_drop, "
                    + "but found " + (kinds.isEmpty() ? "none" : kinds.stream().map(k -> k.key).toList()));
        }
        Gate.Kind kind = kinds.getFirst();
        double value = g.number(kind.key);
        boolean wantsHigher = kind == Gate.Kind.MIN || kind == Gate.Kind.MIN_RELATIVE;
        boolean wantsLower = kind == Gate.Kind.MAX || kind == Gate.Kind.MAX_RELATIVE;
        if (wantsHigher && !higher) {
            throw g.invalid(kind.key, "cannot gate " + metric + ", where lower is better; use "
                    + (kind == Gate.Kind.MIN ? "max" : "max_relative"));
        }
        if (wantsLower && higher) {
            throw g.invalid(kind.key, "cannot gate " + metric + ", where higher is better; use "
                    + (kind == Gate.Kind.MAX ? "min" : "min_relative"));
        }
        String source = null;
        if (kind == Gate.Kind.MIN_RELATIVE || kind == Gate.Kind.MAX_RELATIVE) {
            if (!(value > 0)) {
                throw g.invalid(kind.key, "must be > 0, but was " + value);
            }
            source = g.string("source");
            if (!source.equals(BASE) && !sources.containsKey(source)) {
                throw g.invalid("source", "names unknown source '" + source + "' (known: "
                        + String.join(", ", knownReferences(base, sources)) + ")");
            }
            if (source.equals(BASE) && base == null) {
                throw g.invalid("source", "is 'base', but the file declares no 'base'");
            }
        } else if (g.has("source")) {
            throw g.invalid("source", "is only used with min_relative or max_relative"
                    + (kind == Gate.Kind.MAX_DROP ? "; max_drop always compares with 'base'" : ""));
        }
        if (kind == Gate.Kind.MAX_DROP) {
            if (value < 0) {
                throw g.invalid("max_drop", "must be >= 0, but was " + value);
            }
            if (base == null) {
                throw new UserError(g.where() + ": max_drop compares with the base, so the file needs 'base'");
            }
            source = BASE;
        }
        boolean confidence = g.bool("confidence", confidenceDefault);
        g.done();
        return new Gate.Metric(index, taskName, metric, higher, kind, value, source, confidence);
    }

    private static List<String> knownReferences(Path base, Map<String, Path> sources) {
        List<String> known = new ArrayList<>(sources.keySet());
        if (base != null) {
            known.add(BASE);
        }
        return known;
    }
}
