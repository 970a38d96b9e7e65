package dev.evomerge.search.space;

import dev.evomerge.UserError;
import dev.evomerge.merge.methods.BaseModelUse;
import dev.evomerge.merge.methods.MergeMethod;
import dev.evomerge.merge.methods.MergeMethods;
import dev.evomerge.merge.methods.Param;
import dev.evomerge.merge.recipe.Filtered;
import dev.evomerge.merge.recipe.LayerPlan;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.ParameterResolver;
import dev.evomerge.merge.recipe.ParameterValue;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.merge.recipe.Slice;
import dev.evomerge.merge.recipe.SliceSource;
import dev.evomerge.model.LayerPath;
import dev.evomerge.search.Candidate;
import dev.evomerge.search.Genome;
import dev.evomerge.search.SearchSpace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A search space loaded from a search-space file (see {@link SearchSpaces}): genomes decode into mergekit-compatible
 * recipes (parameter space, PS), layer paths (data-flow space, DFS, Akiba et al. 2024) or both (PS+DFS).
 *
 * <p>Gene layout, in order: the method gene when several methods are searched (categorical, equal bins); then each
 * searched parameter in file order, laid out as [model][layer group][filter class]; then, for DFS, each path position's
 * include gene followed by its scale gene.
 *
 * <p><b>Recipe shape.</b> When every active parameter is global, the recipe is a {@code models:} recipe with scalar
 * (or filter-list) values. Otherwise it is a {@code slices:} recipe with one slice per layer group (the common
 * refinement of the parameters' groups), each slice carrying plain values. Slices are chosen over mergekit gradients
 * on purpose: a gradient with one anchor per layer is evaluated at t = i / (n - 1) as s = t (n - 1), and for many
 * layer counts (23, 24, 26, 27, 30, 36, ...) s falls one ulp below i, so the engine would interpolate between two
 * anchors instead of returning the gene's value. A slice boundary is exact for every layer count. The tensors outside
 * the layers take the first slice's values (embeddings) and the last slice's (final norm, LM head), as mergekit
 * plans them. Methods that never read a base ({@code linear}) get no {@code base_model}.
 *
 * <p>A parameter the decoded method does not take (e.g. {@code density} when the method gene picks {@code linear}) is
 * left out of the recipe; its genes are then inert. Model references are absolute, normalized paths, so a decoded
 * recipe is self-contained.
 */
public final class MergeSpace implements SearchSpace {
    private final Path file;
    private final String baseRef;
    private final Map<String, String> sources;
    private final int numLayers;
    private final List<String> methods;
    private final List<ParamSpec> params;
    private final Map<String, Scalar> fixedParams;
    private final String dtype;
    private final String outDtype;
    private final Long seed;
    private final DfsSpec dfs;
    private final Objective objective;

    private final int[] paramOffsets;
    private final int dfsOffset;
    private final int dimension;
    private final List<String> geneNames;

    MergeSpace(Path file, String baseRef, Map<String, String> sources, int numLayers, List<String> methods,
               List<ParamSpec> params, Map<String, Scalar> fixedParams, String dtype, String outDtype, Long seed,
               DfsSpec dfs, Objective objective) {
        this.file = Objects.requireNonNull(file, "file");
        this.baseRef = baseRef;
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        this.numLayers = numLayers;
        this.methods = List.copyOf(methods);
        this.params = List.copyOf(params);
        this.fixedParams = Collections.unmodifiableMap(new LinkedHashMap<>(fixedParams));
        this.dtype = dtype;
        this.outDtype = outDtype;
        this.seed = seed;
        this.dfs = dfs;
        this.objective = Objects.requireNonNull(objective, "objective");
        if (this.methods.isEmpty() && dfs == null) {
            throw new IllegalArgumentException("a search space needs a merge method, a DFS path or both");
        }
        List<String> names = new ArrayList<>();
        if (this.methods.size() > 1) {
            names.add("method");
        }
        paramOffsets = new int[this.params.size()];
        for (int i = 0; i < this.params.size(); i++) {
            ParamSpec p = this.params.get(i);
            paramOffsets[i] = names.size();
            List<String> models = p.perModel() ? List.copyOf(this.sources.keySet()) : Collections.singletonList(null);
            for (String m : models) {
                for (int g = 0; g < p.granularity().groups(numLayers); g++) {
                    for (TensorFilter f : p.filterClasses()) {
                        StringBuilder n = new StringBuilder(p.name());
                        if (m != null) {
                            n.append('[').append(m).append(']');
                        }
                        if (!p.granularity().isGlobal()) {
                            n.append('.').append(p.granularity().label(g, numLayers));
                        }
                        if (!p.filters().isEmpty()) {
                            n.append('.').append(f.shortName());
                        }
                        names.add(n.toString());
                    }
                }
            }
        }
        dfsOffset = names.size();
        if (dfs != null) {
            for (int p = 0; p < dfs.length(); p++) {
                String where = "dfs[" + p + "]:" + dfs.sources().get(dfs.sourceAt(p)) + ".L" + dfs.layerAt(p);
                names.add(where + ".include");
                if (dfs.hasScaleGenes()) {
                    names.add(where + ".scale");
                }
            }
        }
        dimension = names.size();
        geneNames = List.copyOf(names);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public List<String> geneNames() {
        return geneNames;
    }

    /** The file this space was loaded from. */
    public Path file() {
        return file;
    }

    public Objective objective() {
        return objective;
    }

    /** The searched merge methods (one: no method gene); empty for pure DFS. */
    public List<String> methods() {
        return methods;
    }

    public List<ParamSpec> params() {
        return params;
    }

    /** Source names and their model references (absolute paths), in file order. */
    public Map<String, String> sources() {
        return sources;
    }

    /** The base model's reference, or null. */
    public String base() {
        return baseRef;
    }

    /** The DFS genes' definition, or null. */
    public DfsSpec dfs() {
        return dfs;
    }

    /** Layers of the source models (0 when the space never needed to know). */
    public int numLayers() {
        return numLayers;
    }

    /**
     * Grid axes in genome space for a grid sweep: for each gene, the bin centres of a discrete parameter or of the
     * method gene, {@code continuousSteps} evenly spaced points including both ends for a continuous one, and for DFS
     * include genes {0, 1}.
     */
    public List<List<Double>> gridAxes(int continuousSteps) {
        if (continuousSteps < 1) {
            throw new IllegalArgumentException("steps per continuous gene must be at least 1, but was " + continuousSteps);
        }
        List<List<Double>> axes = new ArrayList<>();
        if (methods.size() > 1) {
            axes.add(centres(methods.size()));
        }
        for (ParamSpec p : params) {
            int count = (p.perModel() ? sources.size() : 1) * p.granularity().groups(numLayers) * p.filterClasses().size();
            List<Double> axis = p.discrete() ? centres(p.values().size()) : evenly(continuousSteps);
            for (int i = 0; i < count; i++) {
                axes.add(axis);
            }
        }
        if (dfs != null) {
            for (int p = 0; p < dfs.length(); p++) {
                axes.add(List.of(0.0, 1.0));
                if (dfs.hasScaleGenes()) {
                    axes.add(evenly(continuousSteps));
                }
            }
        }
        return List.copyOf(axes);
    }

    private static List<Double> centres(int n) {
        List<Double> c = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            c.add(Bins.centre(i, n));
        }
        return c;
    }

    private static List<Double> evenly(int n) {
        List<Double> c = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            c.add(n == 1 ? 0.5 : (double) i / (n - 1));
        }
        return c;
    }

    /**
     * Where a search should start: CMA-ES's initial mean, an individual of the GA's and NSGA-II's generation 0.
     * Parameter genes start at plain task arithmetic, the recipe a user tunes by hand: every {@code weight} and
     * {@code lambda} 1 where 1 lies strictly inside its range (or is one of its values), every other gene (and a
     * weight whose range ends at 1, which would start on the box's edge) at the centre. The centre of a data-flow
     * space includes every position (all include genes are 0.5), a stack of every source's layers that no model
     * survives; a data-flow search starts instead from the first source's own layers in order at scale 1 (the
     * parameter-space model itself in PS+DFS, whose first path source is {@code merged}).
     */
    public Genome start() {
        double[] genes = new double[dimension];
        Arrays.fill(genes, 0.5);
        for (int i = 0; i < params.size(); i++) {
            ParamSpec p = params.get(i);
            boolean plain = (p.name().equals("weight") || p.name().equals("lambda"))
                    && (p.discrete() ? p.values().contains(1.0) : p.min() < 1 && 1 < p.max());
            if (plain) {
                int end = i + 1 < params.size() ? paramOffsets[i + 1] : dfsOffset;
                Arrays.fill(genes, paramOffsets[i], end, p.gene(1.0));
            }
        }
        if (dfs == null) {
            return new Genome(genes);
        }
        int per = dfs.genesPerPosition();
        double unit = dfs.scaleMin() <= 1 && 1 <= dfs.scaleMax() && dfs.hasScaleGenes()
                ? (1 - dfs.scaleMin()) / (dfs.scaleMax() - dfs.scaleMin()) : 0.5;
        for (int p = 0; p < dfs.length(); p++) {
            // The first round over the first source's layers; later repeats start excluded.
            boolean own = dfs.sourceAt(p) == 0 && p < dfs.sources().size() * dfs.numLayers();
            genes[dfsOffset + p * per] = own ? 0.75 : 0.25;
            if (dfs.hasScaleGenes()) {
                genes[dfsOffset + p * per + 1] = unit;
            }
        }
        return new Genome(genes);
    }

    /**
     * The genome of the uniform soup of the sources {@code members} (indices into {@link #sources()}): the average of
     * those fine-tuned models (Wortsman et al. 2022), each member's per-model {@code weight} equal and the others' 0.
     * Under {@code linear} (which normalizes by the weight sum unless {@code normalize: false} is fixed) a member weighs
     * 1; under {@code task_arithmetic} (base + sum w_i tau_i, unnormalized unless fixed otherwise) 1/|members|, so the
     * soup is base + the mean task vector; a searched {@code lambda} is 1, every other gene at the centre.
     *
     * @throws UserError when the space cannot express soups: not a single linear or task_arithmetic method with a
     *                   per-model weight, DFS genes, or a weight or lambda the ranges leave out
     */
    public Genome soup(java.util.SortedSet<Integer> members) {
        String method = methods.size() == 1 ? methods.getFirst() : null;
        int w = -1;
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals("weight") && params.get(i).perModel()) {
                w = i;
            }
        }
        if (dfs != null || w < 0 || !("linear".equals(method) || "task_arithmetic".equals(method))) {
            throw new UserError("greedy-soup needs a search space with one method, linear or task_arithmetic, a"
                    + " per-model 'weight' parameter and no dfs; " + file + " has method " + methods
                    + (dfs != null ? " and dfs" : "") + (w < 0 ? " and no per-model weight" : ""));
        }
        if (members.isEmpty() || members.first() < 0 || members.last() >= sources.size()) {
            throw new IllegalArgumentException("soup members " + members + " are not among the " + sources.size()
                    + " sources");
        }
        Scalar fixedNormalize = fixedParams.get("normalize");
        boolean normalizes = fixedNormalize != null ? fixedNormalize.asBoolean() : method.equals("linear");
        double member = normalizes ? 1.0 : 1.0 / members.size();
        double[] genes = new double[dimension];
        Arrays.fill(genes, 0.5);
        ParamSpec weight = params.get(w);
        int perModel = weight.granularity().groups(numLayers) * weight.filterClasses().size();
        try {
            for (int m = 0; m < sources.size(); m++) {
                int from = paramOffsets[w] + m * perModel;
                Arrays.fill(genes, from, from + perModel, weight.gene(members.contains(m) ? member : 0.0));
            }
            for (int i = 0; i < params.size(); i++) {
                if (params.get(i).name().equals("lambda")) {
                    int end = i + 1 < params.size() ? paramOffsets[i + 1] : dfsOffset;
                    Arrays.fill(genes, paramOffsets[i], end, params.get(i).gene(1.0));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UserError("greedy-soup cannot express the soup of " + members.size() + " models in " + file
                    + ": " + e.getMessage());
        }
        return new Genome(genes);
    }

    // ---------------------------------------------------------------------------------------------- decode

    @Override
    public Candidate decode(Genome genome) {
        if (genome.size() != dimension) {
            throw new IllegalArgumentException("genome has " + genome.size() + " genes but space " + file + " has "
                    + dimension);
        }
        Recipe recipe = methods.isEmpty() ? null : recipe(genome);
        LayerPath path = dfs == null ? null : path(genome);
        return new Candidate(recipe, path, dfs == null ? null : dfs.refs());
    }

    private String method(Genome genome) {
        return methods.size() == 1 ? methods.getFirst() : methods.get(Bins.index(genome.gene(0), methods.size()));
    }

    private Recipe recipe(Genome genome) {
        MergeMethod method = MergeMethods.get(method(genome));
        Set<String> accepted = accepted(method);
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            if (accepted.contains(params.get(i).name())) {
                active.add(i);
            }
        }
        boolean usesBase = method.baseModelUse() != BaseModelUse.NONE && baseRef != null;
        Recipe.Builder b = Recipe.builder(method.name()).baseModel(usesBase ? baseRef : null).dtype(dtype)
                .outDtype(outDtype).seed(seed);
        fixedParams.forEach((name, value) -> {
            if (accepted.contains(name)) {
                b.parameter(name, value);
            }
        });
        List<String> refs = List.copyOf(sources.values());
        boolean sliced = active.stream().anyMatch(i -> !params.get(i).granularity().isGlobal());
        for (int i : active) {
            ParamSpec p = params.get(i);
            if (!p.perModel() && p.granularity().isGlobal()) {
                b.parameter(p.name(), value(genome, i, 0, 0));
            }
        }
        if (!sliced) {
            for (int m = 0; m < refs.size(); m++) {
                Map<String, ParameterValue> mp = new LinkedHashMap<>();
                for (int i : active) {
                    if (params.get(i).perModel()) {
                        mp.put(params.get(i).name(), value(genome, i, m, 0));
                    }
                }
                b.model(refs.get(m), mp);
            }
            return b.build();
        }
        TreeSet<Integer> bounds = new TreeSet<>();
        bounds.add(0);
        for (int i : active) {
            bounds.addAll(params.get(i).granularity().boundaries(numLayers));
        }
        List<Integer> starts = List.copyOf(bounds);
        for (int j = 0; j < starts.size(); j++) {
            int start = starts.get(j);
            int end = j + 1 < starts.size() ? starts.get(j + 1) : numLayers;
            List<SliceSource> srcs = new ArrayList<>();
            for (int m = 0; m < refs.size(); m++) {
                Map<String, ParameterValue> mp = new LinkedHashMap<>();
                for (int i : active) {
                    ParamSpec p = params.get(i);
                    if (p.perModel()) {
                        mp.put(p.name(), value(genome, i, m, p.granularity().groupOf(start)));
                    }
                }
                srcs.add(new SliceSource(new ModelRef(refs.get(m)), start, end, mp));
            }
            if (usesBase && !refs.contains(baseRef)) {
                srcs.add(new SliceSource(new ModelRef(baseRef), start, end));
            }
            Map<String, ParameterValue> sp = new LinkedHashMap<>();
            for (int i : active) {
                ParamSpec p = params.get(i);
                if (!p.perModel() && !p.granularity().isGlobal()) {
                    sp.put(p.name(), value(genome, i, 0, p.granularity().groupOf(start)));
                }
            }
            b.slice(new Slice(srcs, sp));
        }
        return b.build();
    }

    private int geneIndex(int param, int model, int group, int filter) {
        ParamSpec p = params.get(param);
        return paramOffsets[param]
                + (model * p.granularity().groups(numLayers) + group) * p.filterClasses().size() + filter;
    }

    private ParameterValue value(Genome genome, int param, int model, int group) {
        ParamSpec p = params.get(param);
        if (p.filters().isEmpty()) {
            return Scalar.of(p.value(genome.gene(geneIndex(param, model, group, 0))));
        }
        List<Filtered.Entry> entries = new ArrayList<>();
        for (int f = 0; f < p.filters().size(); f++) {
            TensorFilter tf = p.filters().get(f);
            Scalar v = Scalar.of(p.value(genome.gene(geneIndex(param, model, group, f))));
            entries.add(tf.filter() == null ? Filtered.Entry.otherwise(v) : Filtered.Entry.when(tf.filter(), v));
        }
        return new Filtered(entries);
    }

    private LayerPath path(Genome genome) {
        int per = dfs.genesPerPosition();
        List<LayerPath.Step> steps = new ArrayList<>();
        int best = 0;
        for (int p = 0; p < dfs.length(); p++) {
            double include = genome.gene(dfsOffset + p * per);
            if (include > genome.gene(dfsOffset + best * per)) {
                best = p;
            }
            if (include >= 0.5) {
                steps.add(step(genome, p));
            }
        }
        if (steps.isEmpty()) {
            // An empty path is no model; keep the position the genome leans to most so every genome decodes.
            steps.add(step(genome, best));
        }
        return new LayerPath(steps);
    }

    private LayerPath.Step step(Genome genome, int p) {
        double scale = dfs.hasScaleGenes()
                ? dfs.scaleMin() + genome.gene(dfsOffset + p * 2 + 1) * (dfs.scaleMax() - dfs.scaleMin())
                : dfs.scaleMin();
        return new LayerPath.Step(dfs.sourceAt(p), dfs.layerAt(p), scale);
    }

    static Set<String> accepted(MergeMethod method) {
        Set<String> names = new java.util.HashSet<>();
        method.globalParams().forEach(p -> names.add(p.name()));
        method.modelParams().forEach(p -> names.add(p.name()));
        return names;
    }

    // ---------------------------------------------------------------------------------------------- encode

    /** {@link #encode(Recipe, Path)} for a recipe whose relative model paths are relative to this space's file. */
    public Genome encode(Recipe recipe) {
        return encode(new Candidate(recipe, null, null), file.toAbsolutePath().getParent());
    }

    /**
     * The genome of a recipe (and layer path) this space can express, e.g. to seed a search with a user's recipe.
     * Parameters are read the way the merge engine resolves them (mergekit precedence, method defaults), per layer
     * group and filter class, on one representative tensor per class; a value that varies inside a group, lies outside
     * the bounds, or a model the space does not have is a {@link UserError}. Genes of parameters the recipe's method
     * does not take are 0.5. {@code decode(encode(r))} equals r for recipes in the shape decode produces.
     *
     * @param recipeDirectory the directory relative model paths of the recipe are relative to
     */
    public Genome encode(Candidate candidate, Path recipeDirectory) {
        double[] genes = new double[dimension];
        Arrays.fill(genes, 0.5);
        if (candidate.recipe() != null) {
            if (methods.isEmpty()) {
                throw new UserError(file + ": this space is pure DFS and cannot express a recipe");
            }
            encodeRecipe(candidate.recipe(), recipeDirectory, genes);
        } else if (!methods.isEmpty()) {
            throw new UserError(file + ": this space needs a recipe to encode");
        }
        if (dfs != null) {
            if (candidate.layerPath() == null) {
                throw new UserError(file + ": this space needs a layer path to encode");
            }
            encodePath(candidate.layerPath(), candidate.pathSources(), genes);
        }
        return new Genome(genes);
    }

    private void encodeRecipe(Recipe recipe, Path dir, double[] genes) {
        String where = file + ": cannot encode the recipe: ";
        int mi = methods.indexOf(recipe.mergeMethod());
        if (mi < 0) {
            throw new UserError(where + "merge_method " + recipe.mergeMethod() + " is not one of " + methods);
        }
        if (methods.size() > 1) {
            genes[0] = Bins.centre(mi, methods.size());
        }
        MergeMethod method = MergeMethods.get(recipe.mergeMethod());
        int n = Math.max(1, numLayers);
        LayerPlan plan = LayerPlan.of(recipe, "recipe", ref -> n);
        if (plan.numLayers() != n) {
            throw new UserError(where + "it produces " + plan.numLayers() + " layers but the space's models have " + n);
        }
        Map<String, Scalar> defaults = new LinkedHashMap<>();
        for (Param p : method.globalParams()) {
            if (!p.required()) {
                defaults.put(p.name(), Scalar.of(p.defaultValue()));
            }
        }
        for (Param p : method.modelParams()) {
            if (!p.required()) {
                defaults.put(p.name(), Scalar.of(p.defaultValue()));
            }
        }
        checkUnsearched(recipe, defaults, where);
        ParameterResolver resolver = ParameterResolver.of(plan, defaults);
        List<ModelRef> recipeModels = plan.layers().getFirst().models();
        List<ModelRef> models = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) {
            ModelRef found = recipeModels.stream().filter(r -> sameModel(r, s.getValue(), dir)).findFirst()
                    .orElseThrow(() -> new UserError(where + "it does not use source " + s.getKey() + " ("
                            + s.getValue() + ")"));
            models.add(found);
        }
        Set<String> accepted = accepted(method);
        for (int i = 0; i < params.size(); i++) {
            ParamSpec p = params.get(i);
            if (!accepted.contains(p.name())) {
                continue;
            }
            int modelCount = p.perModel() ? models.size() : 1;
            for (int m = 0; m < modelCount; m++) {
                for (int g = 0; g < p.granularity().groups(n); g++) {
                    for (int f = 0; f < p.filterClasses().size(); f++) {
                        List<TensorFilter> classes = p.filters().isEmpty() ? List.of(TensorFilter.values())
                                : List.of(p.filterClasses().get(f));
                        List<ModelRef> over = p.perModel() ? List.of(models.get(m)) : models;
                        double v = uniformValue(resolver, plan, p, g, n, classes, over, where);
                        try {
                            genes[geneIndex(i, m, g, f)] = p.gene(v);
                        } catch (IllegalArgumentException e) {
                            throw new UserError(where + e.getMessage(), e);
                        }
                    }
                }
            }
        }
    }

    /**
     * Refuses a recipe value that no gene carries and that differs from what every candidate of the space uses (the
     * space's fixed value, else the method's default): encoding would drop it silently, and the genome would decode
     * to another model than the recipe.
     */
    private void checkUnsearched(Recipe recipe, Map<String, Scalar> defaults, String where) {
        Set<String> searched = new java.util.HashSet<>();
        params.forEach(p -> searched.add(p.name()));
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        for (int i = 0; i < recipe.models().size(); i++) {
            int m = i;
            recipe.models().get(i).parameters().forEach((k, v) -> values.put("models[" + m + "].parameters." + k, v));
        }
        for (int i = 0; i < recipe.slices().size(); i++) {
            var slice = recipe.slices().get(i);
            for (int j = 0; j < slice.sources().size(); j++) {
                String at = "slices[" + i + "].sources[" + j + "].parameters.";
                slice.sources().get(j).parameters().forEach((k, v) -> values.put(at + k, v));
            }
            String at = "slices[" + i + "].parameters.";
            slice.parameters().forEach((k, v) -> values.put(at + k, v));
        }
        recipe.parameters().forEach((k, v) -> values.put("parameters." + k, v));
        values.forEach((path, v) -> {
            String name = path.substring(path.lastIndexOf('.') + 1);
            if (searched.contains(name)) {
                return;
            }
            Scalar used = fixedParams.containsKey(name) ? fixedParams.get(name) : defaults.get(name);
            if (used == null || !(v instanceof Scalar s) || !same(s, used)) {
                throw new UserError(where + path + " = " + shown(v) + ": the space neither searches " + name
                        + " nor fixes it at that value (its candidates use " + (used == null ? "none" : shown(used))
                        + ")");
            }
        });
    }

    /** Text compares as text; numbers and flags (a flag is 1.0 or 0.0) as numbers. */
    private static boolean same(Scalar a, Scalar b) {
        return a instanceof Scalar.Text || b instanceof Scalar.Text ? a.equals(b) : a.asDouble() == b.asDouble();
    }

    private static String shown(ParameterValue v) {
        return v instanceof Scalar.Text t ? t.value() : v instanceof Scalar s ? Double.toString(s.asDouble())
                : v.toString();
    }

    /** The one value {@code p} takes over a layer group, filter classes and models, or a UserError if it varies. */
    private static double uniformValue(ParameterResolver resolver, LayerPlan plan, ParamSpec p, int group, int n,
                                       List<TensorFilter> classes, List<ModelRef> models, String where) {
        Double value = null;
        for (int layer = 0; layer < n; layer++) {
            if (p.granularity().groupOf(layer) != group) {
                continue;
            }
            LayerPlan.OutputLayer out = plan.layers().get(layer);
            for (TensorFilter c : classes) {
                String tensor = c.probeTensor(layer);
                for (ModelRef model : models) {
                    Optional<Scalar> s = p.perModel() || isModelParam(plan, p.name())
                            ? resolver.resolve(p.name(), out, model, tensor)
                            : resolver.resolveGlobal(p.name(), out, tensor);
                    if (s.isEmpty()) {
                        throw new UserError(where + "it does not set " + p.name() + " for " + tensor + " of " + model);
                    }
                    double v = s.get().asDouble();
                    if (value != null && value != v) {
                        throw new UserError(where + p.name() + " varies within one gene of the space (" + value + " and "
                                + v + " at " + tensor + " of " + model + ")");
                    }
                    value = v;
                }
            }
        }
        return value;
    }

    private static boolean isModelParam(LayerPlan plan, String name) {
        return MergeMethods.get(plan.recipe().mergeMethod()).modelParams().stream().anyMatch(q -> q.name().equals(name));
    }

    private static boolean sameModel(ModelRef ref, String spaceRef, Path dir) {
        return ref.path().equals(spaceRef) || ref.absolute(dir).path().equals(spaceRef);
    }

    private void encodePath(LayerPath path, List<String> pathSources, double[] genes) {
        String where = file + ": cannot encode the layer path: ";
        int[] sourceMap = new int[pathSources.size()];
        for (int s = 0; s < pathSources.size(); s++) {
            sourceMap[s] = dfs.refs().indexOf(pathSources.get(s));
        }
        int per = dfs.genesPerPosition();
        for (int p = 0; p < dfs.length(); p++) {
            genes[dfsOffset + p * per] = 0.25;
        }
        int p = 0;
        for (LayerPath.Step step : path.steps()) {
            int src = step.source() < sourceMap.length ? sourceMap[step.source()] : -1;
            if (src < 0) {
                throw new UserError(where + "source " + step.source() + " is not one of " + dfs.sources());
            }
            while (p < dfs.length() && !(dfs.sourceAt(p) == src && dfs.layerAt(p) == step.layer())) {
                p++;
            }
            if (p == dfs.length()) {
                throw new UserError(where + "step " + step + " does not fit the space's layout after earlier steps");
            }
            genes[dfsOffset + p * per] = 0.75;
            if (dfs.hasScaleGenes()) {
                ParamSpec scale = new ParamSpec("scale", dfs.scaleMin(), dfs.scaleMax(), List.of(), false,
                        Granularity.GLOBAL, List.of());
                try {
                    genes[dfsOffset + p * per + 1] = scale.gene(step.scale());
                } catch (IllegalArgumentException e) {
                    throw new UserError(where + e.getMessage(), e);
                }
            } else if (step.scale() != dfs.scaleMin()) {
                throw new UserError(where + "step " + step + " has scale " + step.scale() + " but the space fixes it at "
                        + dfs.scaleMin());
            }
            p++;
        }
    }

    @Override
    public String toString() {
        return "search space " + file + " (" + dimension + " genes: "
                + geneNames.stream().limit(6).collect(Collectors.joining(", "))
                + (dimension > 6 ? ", ..." : "") + ")";
    }
}
