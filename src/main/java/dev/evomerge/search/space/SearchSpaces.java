package dev.evomerge.search.space;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.eval.Fields;
import dev.evomerge.io.StrictYaml;
import dev.evomerge.merge.methods.MergeMethod;
import dev.evomerge.merge.methods.MergeMethods;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.search.Candidate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads search-space files (format {@value #FORMAT}, version {@value #VERSION}). A file names the models, the merge
 * method(s) and the searched parameters with their bounds, granularity and filters (parameter space), optionally a
 * data-flow path (DFS), fixed recipe settings, and the objective:
 *
 * <pre>{@code
 * format: evomerge-search-space
 * version: 1
 * base: ../models/zoo/base              # model directories, relative to this file
 * sources: {add: ../models/zoo/add, rev: ../models/zoo/rev}
 * layers: 4                             # optional: else num_hidden_layers of the base's config.json
 * method: ties                          # or a list, searched as a categorical gene
 * granularity: per_layer                # default for parameters: global | per_layer | {layers_per_group: k}
 * filters: [attention, mlp, rest]       # default for parameters: none (one value for all tensors)
 * parameters:
 *   weight: [0, 1]                      # range; per model for per-model parameters
 *   density: {range: [0.1, 1], granularity: global, per_model: false}
 *   lambda: {values: [0.5, 1.0, 1.5]}   # discrete values
 * fixed: {normalize: true, seed: 1, dtype: bfloat16}
 * dfs: {sources: [merged, add], repeats: 1, length: 8, scale: [0.5, 1.5]}
 * objective: {weights: {add: 1, rev: 1}, pareto: false, aggregate: mean}   # or aggregate: min (worst task)
 *   # normalize: retention (each task as the fraction of the base-to-reference gap it closes), none (raw), or auto
 *   # (the default: retention when the tasks differ in metric or direction); references: {add: add} (task: source;
 *   # default: the best source on that task)
 * }</pre>
 *
 * Unknown keys and versions are refused with one line naming the file and the key path.
 */
public final class SearchSpaces {
    public static final String FORMAT = "evomerge-search-space";
    public static final int VERSION = 1;
    /** DFS source name of the PS-merged model. */
    public static final String MERGED = "merged";
    /** Name of the base model among DFS sources. */
    public static final String BASE = "base";

    private static final List<String> RECIPE_FIELDS = List.of("seed", "dtype", "out_dtype");

    private SearchSpaces() {
    }

    public static MergeSpace load(Path file) {
        return load(file, StrictYaml.read(file));
    }

    /**
     * The space whose YAML text is {@code content}, as if read from {@code file}: relative model paths resolve against
     * the file's directory even where the file itself is absent (a cluster worker decoding a coordinator's genomes).
     */
    public static MergeSpace load(Path file, String content) {
        return load(file, StrictYaml.read(file, content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static MergeSpace load(Path file, com.fasterxml.jackson.databind.JsonNode yaml) {
        Fields root = Fields.of(yaml, "search space " + file);
        root.requireFormat(FORMAT, VERSION);
        Path dir = file.toAbsolutePath().getParent();
        String baseRel = root.string("base", null);
        String base = baseRel == null ? null : ref(dir, baseRel, root, "base");
        Map<String, String> sources = new LinkedHashMap<>();
        Fields src = root.object("sources");
        if (src == null) {
            throw root.missing("sources");
        }
        for (String name : src.keys()) {
            if (name.equals(BASE) || name.equals(MERGED)) {
                throw src.invalid(name, "is a reserved name; call the source something else");
            }
            sources.put(name, ref(dir, src.string(name), src, name));
        }
        src.done();
        if (sources.isEmpty()) {
            throw root.invalid("sources", "must name at least one model");
        }

        List<String> methods = methods(root);
        List<MergeMethod> mms = methods.stream().map(m -> {
            try {
                return MergeMethods.get(m);
            } catch (UserError e) {
                throw root.invalid("method", "names an unknown merge method '" + m + "' (known: "
                        + String.join(", ", MergeMethods.names()) + ")");
            }
        }).toList();
        for (MergeMethod m : mms) {
            if (m.requiresBase() && base == null) {
                throw root.invalid("method", m.name() + " needs a base model; add 'base:'");
            }
            if (m.name().equals("slerp") && sources.size() != 1) {
                throw root.invalid("method", "slerp interpolates the base and exactly one source, but 'sources' has "
                        + sources.size());
            }
        }

        Granularity defaultGranularity = granularity(root, "granularity", Granularity.GLOBAL);
        List<TensorFilter> defaultFilters = filters(root, "filters");
        List<ParamSpec> params = new ArrayList<>();
        Fields ps = root.object("parameters");
        if (ps != null) {
            if (methods.isEmpty()) {
                throw root.invalid("parameters", "needs a 'method' to search");
            }
            for (String name : ps.keys()) {
                params.add(param(ps, name, mms, defaultGranularity, defaultFilters));
            }
            ps.done();
        }
        Map<String, Scalar> fixed = new LinkedHashMap<>();
        Long seed = null;
        String dtype = null;
        String outDtype = null;
        Fields fx = root.object("fixed");
        if (fx != null) {
            seed = fx.has("seed") ? fx.longInteger("seed", 0) : null;
            dtype = fx.string("dtype", null);
            outDtype = fx.string("out_dtype", null);
            for (String key : List.of("dtype", "out_dtype")) {
                String v = key.equals("dtype") ? dtype : outDtype;
                if (v != null) {
                    try {
                        DType.fromRecipe(key, v);
                    } catch (UserError e) {
                        throw fx.invalid(key, "is unknown dtype '" + v + "' (allowed: float32, float16, bfloat16)");
                    }
                }
            }
            for (String name : fx.keys()) {
                if (RECIPE_FIELDS.contains(name)) {
                    continue;
                }
                JsonNode v = fx.node(name);
                if (params.stream().anyMatch(p -> p.name().equals(name))) {
                    throw fx.invalid(name, "is both searched (parameters) and fixed; keep one");
                }
                if (mms.stream().noneMatch(m -> MergeSpace.accepted(m).contains(name))) {
                    throw fx.invalid(name, "is not a parameter of " + String.join(" or ", methods));
                }
                if (v == null || !(v.isNumber() || v.isBoolean())) {
                    throw fx.wrongType(name, "a number or true/false", v == null ? root.node("fixed") : v);
                }
                fixed.put(name, v.isBoolean() ? Scalar.of(v.asBoolean()) : Scalar.of(v.asDouble()));
            }
            fx.done();
        }

        Fields df = root.object("dfs");
        boolean needsLayers = df != null || params.stream().anyMatch(p -> !p.granularity().isGlobal());
        int layers = root.integer("layers", 0);
        if (root.has("layers") && layers < 1) {
            throw root.invalid("layers", "must be at least 1, but was " + layers);
        }
        String reference = new ModelRef(base != null ? base : sources.values().iterator().next()).model();
        if (layers == 0 && needsLayers) {
            layers = layersFromConfig(root, reference);
        } else if (layers > 0 && Files.isReadable(Path.of(reference).resolve("config.json"))) {
            // A stale count would silently merge a truncated model (slices stop at 'layers').
            int actual = layersFromConfig(root, reference);
            if (actual != layers) {
                throw root.invalid("layers", "is " + layers + " but " + Path.of(reference).resolve("config.json")
                        + " has num_hidden_layers " + actual);
            }
        }
        DfsSpec dfs = df == null ? null : dfs(df, sources, base, !methods.isEmpty(), layers);

        Fields obj = root.object("objective");
        if (obj == null) {
            throw root.missing("objective");
        }
        Objective objective = objective(obj, sources.keySet());
        root.done();
        try {
            return new MergeSpace(file, base, sources, layers, methods, params, fixed, dtype, outDtype, seed, dfs,
                    objective);
        } catch (IllegalArgumentException e) {
            throw new UserError("search space " + file + ": " + e.getMessage(), e);
        }
    }

    /** A source as an absolute reference; a LoRA source {@code base+adapter} has both parts resolved. */
    private static String ref(Path dir, String rel, Fields where, String key) {
        try {
            return new ModelRef(rel).absolute(dir).path();
        } catch (IllegalArgumentException e) {
            throw where.invalid(key, e.getMessage());
        }
    }

    private static List<String> methods(Fields root) {
        JsonNode m = root.node("method");
        List<String> out = new ArrayList<>();
        if (m == null) {
            return out;
        }
        if (m.isTextual()) {
            out.add(m.asText());
        } else if (m.isArray() && !m.isEmpty()) {
            for (JsonNode e : m) {
                if (!e.isTextual()) {
                    throw root.wrongType("method", "a method name or a list of names", m);
                }
                if (out.contains(e.asText())) {
                    throw root.invalid("method", "lists '" + e.asText() + "' twice");
                }
                out.add(e.asText());
            }
        } else {
            throw root.wrongType("method", "a method name or a list of names", m);
        }
        return out;
    }

    private static Granularity granularity(Fields f, String key, Granularity fallback) {
        JsonNode g = f.node(key);
        if (g == null) {
            return fallback;
        }
        if (g.isTextual() && g.asText().equals("global")) {
            return Granularity.GLOBAL;
        }
        if (g.isTextual() && g.asText().equals("per_layer")) {
            return Granularity.PER_LAYER;
        }
        if (g.isObject()) {
            Fields gf = f.object(key);
            int k = gf.integer("layers_per_group", 0);
            gf.done();
            if (k < 1) {
                throw gf.invalid("layers_per_group", "must be at least 1, but was " + k);
            }
            return Granularity.groupsOf(k);
        }
        throw f.wrongType(key, "global, per_layer or {layers_per_group: k}", g);
    }

    private static List<TensorFilter> filters(Fields f, String key) {
        List<TensorFilter> out = new ArrayList<>();
        for (String s : f.strings(key)) {
            try {
                TensorFilter tf = TensorFilter.parse(s);
                if (out.contains(tf)) {
                    throw f.invalid(key, "lists '" + s + "' twice");
                }
                out.add(tf);
            } catch (IllegalArgumentException e) {
                throw f.invalid(key, "has an " + e.getMessage());
            }
        }
        if (out.equals(List.of(TensorFilter.REST))) {
            return List.of();
        }
        // 'rest' is always the catch-all: the last entry of the filter list.
        out.remove(TensorFilter.REST);
        if (!out.isEmpty()) {
            out.add(TensorFilter.REST);
        }
        return out;
    }

    private static ParamSpec param(Fields ps, String name, List<MergeMethod> mms, Granularity defaultGranularity,
                                   List<TensorFilter> defaultFilters) {
        if (mms.stream().noneMatch(m -> MergeSpace.accepted(m).contains(name))) {
            throw ps.invalid(name, "is not a parameter of " + String.join(" or ",
                    mms.stream().map(MergeMethod::name).toList()));
        }
        boolean modelParam = mms.stream().anyMatch(m -> m.modelParams().stream().anyMatch(q -> q.name().equals(name)));
        JsonNode node = ps.node(name);
        double[] range = null;
        List<Double> values = List.of();
        Granularity g = defaultGranularity;
        List<TensorFilter> filters = defaultFilters;
        boolean perModel = modelParam;
        if (node.isArray()) {
            range = range(ps, name, node);
        } else if (node.isObject()) {
            Fields pf = ps.object(name);
            if (pf.has("range") == pf.has("values")) {
                throw ps.invalid(name, "needs exactly one of 'range: [min, max]' or 'values: [...]'");
            }
            if (pf.has("range")) {
                range = range(pf, "range", pf.node("range"));
            } else {
                JsonNode vs = pf.node("values");
                if (!vs.isArray() || vs.isEmpty()) {
                    throw pf.wrongType("values", "a non-empty list of numbers", vs);
                }
                List<Double> list = new ArrayList<>();
                for (JsonNode v : vs) {
                    if (!v.isNumber()) {
                        throw pf.wrongType("values", "a non-empty list of numbers", vs);
                    }
                    list.add(v.asDouble());
                }
                values = list;
            }
            g = granularity(pf, "granularity", defaultGranularity);
            if (pf.has("filters")) {
                filters = filters(pf, "filters");
            }
            perModel = pf.bool("per_model", modelParam);
            if (perModel && !modelParam) {
                throw pf.invalid("per_model", "is true but " + name + " is a method-wide parameter");
            }
            pf.done();
        } else {
            throw ps.wrongType(name, "a range [min, max] or a mapping with range or values", node);
        }
        try {
            return new ParamSpec(name, range == null ? 0 : range[0], range == null ? 0 : range[1], values, perModel, g,
                    filters);
        } catch (IllegalArgumentException e) {
            throw ps.invalid(name, e.getMessage().substring(name.length() + 2));
        }
    }

    private static double[] range(Fields f, String key, JsonNode node) {
        if (!node.isArray() || node.size() != 2 || !node.get(0).isNumber() || !node.get(1).isNumber()) {
            throw f.wrongType(key, "a range [min, max] of two numbers", node);
        }
        double lo = node.get(0).asDouble();
        double hi = node.get(1).asDouble();
        if (!(lo <= hi)) {
            throw f.invalid(key, "must have min <= max, but was [" + lo + ", " + hi + "]");
        }
        return new double[] {lo, hi};
    }

    private static DfsSpec dfs(Fields df, Map<String, String> sources, String base, boolean hasPs, int layers) {
        List<String> names = df.strings("sources");
        if (names.isEmpty()) {
            throw df.missing("sources");
        }
        List<String> refs = new ArrayList<>();
        for (String n : names) {
            if (n.equals(MERGED)) {
                if (!hasPs) {
                    throw df.invalid("sources", "names 'merged' but the space has no merge method (PS+DFS needs one)");
                }
                refs.add(Candidate.MERGED);
            } else if (n.equals(BASE)) {
                if (base == null) {
                    throw df.invalid("sources", "names 'base' but the space has no base model");
                }
                refs.add(base);
            } else if (sources.containsKey(n)) {
                refs.add(sources.get(n));
            } else {
                throw df.invalid("sources", "names '" + n + "', which is neither a source (" + String.join(", ",
                        sources.keySet()) + "), base nor merged");
            }
        }
        if (refs.stream().distinct().count() != refs.size()) {
            throw df.invalid("sources", "lists a model twice");
        }
        int repeats = df.integer("repeats", 1);
        if (repeats < 1) {
            throw df.invalid("repeats", "must be at least 1, but was " + repeats);
        }
        long positions = (long) names.size() * layers * repeats;
        if (positions > MAX_DFS_POSITIONS) {
            throw df.invalid("repeats", repeats + " makes " + positions + " layer positions (sources x layers x"
                    + " repeats), more than the " + MAX_DFS_POSITIONS + " a layer path may have");
        }
        int max = (int) positions;
        int length = df.integer("length", max);
        if (length < 1 || length > max) {
            throw df.invalid("length", "must be in [1, " + max + "] (sources x layers x repeats), but was " + length);
        }
        double lo = 1.0;
        double hi = 1.0;
        JsonNode scale = df.node("scale");
        if (scale != null && scale.isNumber()) {
            lo = hi = df.number("scale");
        } else if (scale != null) {
            double[] r = range(df, "scale", scale);
            lo = r[0];
            hi = r[1];
        }
        df.done();
        return new DfsSpec(layers, names, refs, repeats, length, lo, hi);
    }

    /**
     * Longest DFS layout: each position is a gene and a decoder layer the candidate may run, and Evolutionary Model
     * Merge's own layouts (Akiba et al. 2024, M = 2 sources x 32 layers x r = 3) have a few hundred; a million is far
     * past anything a search can explore and keeps the counts in an int.
     */
    static final int MAX_DFS_POSITIONS = 1 << 20;

    private static Objective objective(Fields obj, java.util.Set<String> sourceNames) {
        Map<String, Double> weights = new LinkedHashMap<>();
        Fields w = obj.object("weights");
        List<String> tasks = obj.strings("tasks");
        if ((w == null) == tasks.isEmpty()) {
            throw obj.invalid("weights", "give exactly one of 'weights: {task: weight}' or 'tasks: [...]' (equal weights)");
        }
        if (w != null) {
            for (String t : w.keys()) {
                double v = w.number(t);
                if (!(v > 0)) {
                    throw w.invalid(t, "must be a positive weight, but was " + v);
                }
                weights.put(t, v);
            }
            w.done();
        } else {
            for (String t : tasks) {
                if (weights.put(t, 1.0) != null) {
                    throw obj.invalid("tasks", "lists '" + t + "' twice");
                }
            }
        }
        boolean pareto = obj.bool("pareto", false);
        String aggregate = obj.string("aggregate", "mean");
        Objective.Aggregate agg = switch (aggregate) {
            case "mean" -> Objective.Aggregate.MEAN;
            case "min" -> Objective.Aggregate.MIN;
            default -> throw obj.invalid("aggregate", "must be 'mean' (weighted mean of the tasks) or 'min' (the worst "
                    + "task), but was '" + aggregate + "'");
        };
        String normalize = obj.string("normalize", "auto");
        Objective.Normalize norm = switch (normalize) {
            case "auto" -> Objective.Normalize.AUTO;
            case "none" -> Objective.Normalize.NONE;
            case "retention" -> Objective.Normalize.RETENTION;
            default -> throw obj.invalid("normalize", "must be 'retention' (the fraction of the base-to-reference gap"
                    + " each task closes), 'none' (raw scores) or 'auto' (retention when the tasks differ in metric or"
                    + " direction), but was '" + normalize + "'");
        };
        Map<String, String> references = new LinkedHashMap<>();
        Fields refs = obj.object("references");
        if (refs != null) {
            if (norm == Objective.Normalize.NONE) {
                throw obj.invalid("references", "only apply with normalize: retention or auto");
            }
            for (String t : refs.keys()) {
                if (!weights.containsKey(t)) {
                    throw refs.invalid(t, "is not an objective task " + weights.keySet());
                }
                String src = refs.string(t);
                if (!sourceNames.contains(src)) {
                    throw refs.invalid(t, "names '" + src + "', which is not a source " + sourceNames);
                }
                references.put(t, src);
            }
            refs.done();
        }
        obj.done();
        return new Objective(weights, pareto, agg, norm, references, null);
    }

    private static int layersFromConfig(Fields root, String modelDir) {
        Path config = Path.of(modelDir).resolve("config.json");
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readAllBytes(config)).get("num_hidden_layers");
            if (n == null || !n.canConvertToInt() || n.asInt() < 1) {
                throw root.invalid("layers", "is not set and " + config + " has no positive num_hidden_layers");
            }
            return n.asInt();
        } catch (IOException e) {
            throw root.invalid("layers", "is not set and " + config + " cannot be read (" + e.getMessage()
                    + "); per-layer genes and DFS need the layer count");
        }
    }
}
