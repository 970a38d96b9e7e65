package dev.evomerge.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.DecoderLayout;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorNames;
import dev.evomerge.merge.methods.BaseModelUse;
import dev.evomerge.merge.methods.MergeMethod;
import dev.evomerge.merge.methods.MergeMethods;
import dev.evomerge.merge.methods.Param;
import dev.evomerge.merge.methods.ParamType;
import dev.evomerge.merge.recipe.LayerPlan;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.ParameterResolver;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.merge.recipe.TokenizerSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a recipe and its opened sources into a {@link MergePlan}, the way mergekit's planner does: output layers from
 * the layer plan, tensor names from the reference model (the base, else the first source), one {@link TensorTask}
 * per output tensor with parameters resolved per tensor and checked before anything heavy runs.
 */
public final class MergePlanner {
    private MergePlanner() {
    }

    public static MergePlan plan(LoadedRecipe loaded, Sources sources) {
        Recipe recipe = loaded.recipe();
        String file = loaded.sourceName();
        MergeMethod method;
        try {
            method = MergeMethods.get(recipe.mergeMethod());
        } catch (UserError e) {
            throw new UserError(file + ": merge_method: " + e.getMessage());
        }
        List<String> warnings = new ArrayList<>();
        checkParameterNames(loaded, method, warnings);
        if (method.requiresBase() && recipe.baseModel() == null
                && recipe.slices().stream().allMatch(s -> s.baseModel() == null)) {
            throw new UserError(file + ": base_model: merge method " + method.name() + " needs a base_model");
        }
        DecoderLayout layout = checkSameArchitecture(loaded, sources);
        List<DecoderLayout.Stack> stacks = layout.stacks();
        LayerPlan layers = loaded.plan(ref -> sources.get(ref).layerCount(stacks.getFirst()));
        ModelRef configFrom = recipe.baseModel() != null ? recipe.baseModel() : layers.embeddings().models().getFirst();
        // The recipe's layer plan indexes the first stack; further stacks (a vision tower) are merged whole.
        Map<DecoderLayout.Stack, LayerPlan> stackPlans = new LinkedHashMap<>();
        stackPlans.put(stacks.getFirst(), layers);
        for (DecoderLayout.Stack stack : stacks.subList(1, stacks.size())) {
            if (sources.get(configFrom).layerCount(stack) > 0) {
                stackPlans.put(stack, layers.wholeStack(ref -> sources.get(ref).layerCount(stack), file,
                        stack.name()));
            }
        }
        long seed = recipe.seed() == null ? 0L : recipe.seed();
        DType outDtype = recipe.outDtype() != null ? dtype("out_dtype", recipe.outDtype())
                : recipe.dtype() != null ? dtype("dtype", recipe.dtype()) : null;

        TokenizerChoice vocabulary = tokenizerChoice(recipe);
        Planner p = new Planner(loaded, sources, method, ParameterResolver.withoutDefaults(layers), stacks.getFirst(),
                seed, outDtype, vocabulary != null);
        List<TensorTask> tasks = new ArrayList<>();
        Checkpoint first = sources.get(layers.embeddings().models().getFirst());
        for (String name : first.names()) {
            if (layout.stackOf(name) == null && !layout.isPost(name)) {
                tasks.add(p.task(name, layers.embeddings(), name, null));
            }
        }
        for (Map.Entry<DecoderLayout.Stack, LayerPlan> e : stackPlans.entrySet()) {
            DecoderLayout.Stack stack = e.getKey();
            Planner sp = p.withParams(ParameterResolver.withoutDefaults(e.getValue()), stack);
            for (LayerPlan.OutputLayer out : e.getValue().layers()) {
                LayerPlan.LayerInput lead = out.inputs().getFirst();
                Checkpoint leadModel = sources.get(lead.model());
                for (String name : leadModel.names()) {
                    if (stack.layerOf(name) == lead.layer()) {
                        tasks.add(sp.task(stack.withLayer(name, out.index()), out, name, out));
                    }
                }
            }
        }
        Checkpoint last = sources.get(layers.head().models().getFirst());
        for (String name : last.names()) {
            if (layout.isPost(name)) {
                tasks.add(p.task(name, layers.head(), name, null));
            }
        }
        if (tasks.isEmpty()) {
            throw new UserError(file + ": the recipe selects no tensors");
        }

        ObjectNode config = sources.get(configFrom).config();
        for (Map.Entry<DecoderLayout.Stack, LayerPlan> e : stackPlans.entrySet()) {
            e.getKey().setLayerCount(config, e.getValue().numLayers());
            resizePerLayerLists(e.getKey(), config, e.getValue(), sources);
        }
        DType written = tasks.getFirst().output().dtype();
        if (written.isFloatConvertible()) {
            config.put("torch_dtype", written.torchName());
            // transformers 4.56+ reads "dtype" first and keeps "torch_dtype" as its old name: both must agree.
            if (config.has("dtype")) {
                config.put("dtype", written.torchName());
            }
        }
        if (vocabulary == null) {
            Checkpoint tokenizerFrom = sources.get(configFrom);
            ObjectNode tokenizerConfig = ChatTemplates.tokenizerConfig(loaded, sources, tokenizerFrom);
            return new MergePlan(loaded, tasks, config, tokenizerFrom, sources, tokenizerConfig, warnings);
        }
        ModelRef from = vocabulary.source().model().orElse(recipe.baseModel() != null ? recipe.baseModel()
                : recipe.referencedModels().getFirst());
        Checkpoint tokenizerFrom = sources.get(from);
        VocabularyMerge.Result merged = VocabularyMerge.build(loaded, sources, vocabulary.source(), recipe.tokenizer(),
                vocabulary.key(), tasks);
        // The vocabulary is the language model's: transformers reads text_config.vocab_size for LLaVA and Gemma 3,
        // the top level elsewhere. A top-level copy an older multimodal config carries is kept equal.
        ObjectNode text = stacks.getFirst().configObject(config);
        text.put("vocab_size", merged.vocabSize());
        if (text != config && config.has("vocab_size")) {
            config.put("vocab_size", merged.vocabSize());
        }
        ObjectNode tokenizerConfig = ChatTemplates.tokenizerConfig(loaded, sources, tokenizerFrom);
        if (!merged.addedTokens().isEmpty()) {
            tokenizerConfig = withAddedTokens(tokenizerConfig, tokenizerFrom, merged.addedTokens());
        }
        return new MergePlan(loaded, merged.tasks(), config, tokenizerFrom, sources, tokenizerConfig, warnings,
                merged.tokenizerJson());
    }

    /** A tokenizer setting and the recipe field it came from (for messages). */
    private record TokenizerChoice(TokenizerSource source, String key) {
    }

    /**
     * The recipe's tokenizer setting ({@code tokenizer_source}, or the {@code tokenizer:} block, whose source defaults
     * to union), or null when it has none: then the output keeps the base (or first) model's tokenizer and every
     * model must share its vocabulary, as in mergekit.
     */
    private static TokenizerChoice tokenizerChoice(Recipe r) {
        if (r.tokenizer() != null) {
            return new TokenizerChoice(r.tokenizer().source(), "tokenizer.source");
        }
        return r.tokenizerSource() == null ? null : new TokenizerChoice(r.tokenizerSource(), "tokenizer_source");
    }

    /**
     * {@code config} (else the source's tokenizer_config.json, with its chat_template.jinja folded in, since the file
     * is replaced) with the added tokens in {@code added_tokens_decoder}, as transformers saves them.
     */
    private static ObjectNode withAddedTokens(ObjectNode config, Checkpoint from, Map<Integer, ObjectNode> added) {
        ObjectNode out = config;
        if (out == null) {
            out = TokenizerFiles.tokenizerConfig(from.dir());
            ObjectNode o = out;
            if (java.nio.file.Files.isRegularFile(from.dir().resolve(TokenizerFiles.CHAT_TEMPLATE_FILE))) {
                TokenizerFiles.chatTemplate(from.dir()).ifPresent(t -> o.put("chat_template", t));
            }
        }
        if (out.has("added_tokens_decoder") && !out.get("added_tokens_decoder").isObject()) {
            throw new UserError(from.dir().resolve(TokenizerFiles.TOKENIZER_CONFIG)
                    + ": added_tokens_decoder is not an object");
        }
        ObjectNode decoder = out.withObject("added_tokens_decoder");
        for (Map.Entry<Integer, ObjectNode> e : added.entrySet()) {
            ObjectNode d = decoder.putObject(String.valueOf(e.getKey()));
            for (String f : List.of("content", "lstrip", "normalized", "rstrip", "single_word", "special")) {
                if (e.getValue().has(f)) {
                    d.set(f, e.getValue().get(f));
                }
            }
        }
        return out;
    }

    /**
     * Rebuilds each per-layer list for the output's layers: output layer i takes the entry of the layer it was made
     * from (its slice's first source, the one whose tensor names it takes), so a frankenmerge keeps each layer's
     * attention type.
     */
    private static void resizePerLayerLists(DecoderLayout.Stack stack, ObjectNode outConfig, LayerPlan layers,
                                            Sources sources) {
        PerLayerLists.rebuild(stack.configObject(outConfig), () -> layers.layers().stream().map(layer -> {
            LayerPlan.LayerInput lead = layer.inputs().getFirst();
            Checkpoint from = sources.get(lead.model());
            return new PerLayerLists.Origin(stack.configObject(from.config()), from.layerCount(stack),
                    from.dir().resolve(Checkpoint.CONFIG_FILE).toString(), lead.layer());
        }).toList(), key -> stack.path(outConfig, key));
    }

    private static DType dtype(String field, String value) {
        return DType.fromRecipe(field, value.startsWith("torch.") ? value.substring("torch.".length()) : value);
    }

    private static void checkParameterNames(LoadedRecipe loaded, MergeMethod method, List<String> warnings) {
        Set<String> global = method.globalParams().stream().map(Param::name).collect(Collectors.toSet());
        Set<String> perModel = method.modelParams().stream().map(Param::name).collect(Collectors.toSet());
        Map<String, List<String>> ignored = new LinkedHashMap<>();
        for (Recipe.ParameterUse use : loaded.recipe().parameterUses()) {
            boolean known = perModel.contains(use.name()) || (!use.perModel() && global.contains(use.name()));
            if (!known && method.ignoredParams().contains(use.name())) {
                ignored.computeIfAbsent(use.name(), k -> new ArrayList<>()).add(use.path());
            } else if (!known) {
                String where = use.perModel() && global.contains(use.name())
                        ? " is a method-wide parameter of " + method.name() + "; set it under parameters:"
                        : " is not a parameter of merge method " + method.name() + " (per-model: "
                        + names(method.modelParams()) + "; method-wide: " + names(method.globalParams()) + ")";
                throw new UserError(loaded.sourceName() + ": " + use.path() + ": '" + use.name() + "'" + where);
            }
        }
        ignored.forEach((name, paths) -> warnings.add(loaded.sourceName() + ": " + String.join(", ", paths) + ": '"
                + name + "' is ignored: merge method " + method.name() + " takes no " + name + " (mergekit ignores it"
                + " too)"));
    }

    private static String names(List<Param> params) {
        return params.isEmpty() ? "none" : params.stream().map(Param::name).collect(Collectors.joining(", "));
    }

    /**
     * Every model needs a config.json and one architecture, with a decoder layout evomerge knows (refused with the
     * list of known layouts otherwise); returns that layout.
     */
    private static DecoderLayout checkSameArchitecture(LoadedRecipe loaded, Sources sources) {
        Map.Entry<ModelRef, Checkpoint> ref = null;
        for (Map.Entry<ModelRef, Checkpoint> e : sources.all().entrySet()) {
            if (!e.getValue().hasConfig()) {
                throw new UserError(loaded.sourceName() + ": model '" + e.getKey() + "' has no config.json in "
                        + e.getValue().dir());
            }
        }
        for (ModelRef m : loaded.recipe().referencedModels()) {
            Checkpoint c = sources.get(m);
            if (ref == null) {
                ref = Map.entry(m, c);
            } else if (!c.architecture().equals(ref.getValue().architecture())) {
                throw new UserError(loaded.sourceName() + ": model '" + m + "' is a " + c.architecture() + " but '"
                        + ref.getKey() + "' is a " + ref.getValue().architecture()
                        + "; only models of one architecture can be merged");
            }
        }
        return ref.getValue().layout();
    }

    /** Per-merge state for making tasks. */
    private record Planner(LoadedRecipe loaded, Sources sources, MergeMethod method, ParameterResolver params,
                           DecoderLayout.Stack stack, long seed, DType outDtype, boolean vocabularyMerge) {

        /** The same merge for the layers of {@code otherStack}, planned by {@code otherParams}' layer plan. */
        Planner withParams(ParameterResolver otherParams, DecoderLayout.Stack otherStack) {
            return new Planner(loaded, sources, method, otherParams, otherStack, seed, outDtype, vocabularyMerge);
        }

        /**
         * @param outName   output tensor name
         * @param group     the tensor group (layer or non-layer)
         * @param leadName  the tensor's name in the group's first input
         * @param layer     the output layer, or null for non-layer tensors
         */
        TensorTask task(String outName, LayerPlan.TensorGroup group, String leadName, LayerPlan.OutputLayer layer) {
            List<ModelRef> models = group.models();
            List<TensorTask.Input> inputs = new ArrayList<>(models.size());
            for (int i = 0; i < models.size(); i++) {
                String name = layer == null ? leadName : stack.withLayer(leadName, layer.inputs().get(i).layer());
                inputs.add(input(models.get(i), name));
            }
            TensorInfo first = inputs.getFirst().info();
            for (TensorTask.Input in : inputs) {
                checkShape(outName, inputs.getFirst(), in);
            }
            if (!first.dtype().isFloatConvertible()) {
                // Integer buffers (e.g. position ids) cannot be averaged; mergekit copies them from the first input.
                return copy(outName, first, inputs.getFirst());
            }
            DType out = outDtype != null ? outDtype : baseOrFirst(group, inputs, models).info().dtype();
            TensorInfo output = new TensorInfo(outName, out, first.shape());

            TensorTask.Input base = null;
            List<TensorTask.Input> merged = new ArrayList<>();
            List<ModelRef> mergedRefs = new ArrayList<>();
            ModelRef baseRef = group.baseModel();
            for (int i = 0; i < models.size(); i++) {
                boolean isBase = models.get(i).equals(baseRef);
                if (isBase && method.baseModelUse() != BaseModelUse.NONE) {
                    base = inputs.get(i);
                } else if (isBase && !listedAsSource(baseRef)) {
                    continue; // appended by the plan for methods that use a base; linear/passthrough do not
                } else {
                    merged.add(inputs.get(i));
                    mergedRefs.add(models.get(i));
                }
            }
            if (method.requiresBase() && base == null) {
                throw new UserError(loaded.sourceName() + ": merge method " + method.name() + " needs the base model"
                        + " among the inputs of tensor '" + outName + "'");
            }
            if (merged.isEmpty()) {
                return copy(outName, output, base);
            }
            Map<String, Double> global = new HashMap<>();
            for (Param p : method.globalParams()) {
                params.resolveGlobal(p.name(), group, outName)
                        .ifPresent(v -> global.put(p.name(), number(p, v, outName)));
            }
            List<Map<String, Double>> perModel = new ArrayList<>();
            for (int i = 0; i < merged.size(); i++) {
                Map<String, Double> values = new LinkedHashMap<>();
                for (Param p : method.modelParams()) {
                    params.resolve(p.name(), group, mergedRefs.get(i), merged.get(i).name())
                            .ifPresent(v -> values.put(p.name(), number(p, v, outName)));
                }
                perModel.add(values);
            }
            if (method.name().equals("passthrough") && merged.size() == 1 && base == null
                    && perModel.getFirst().getOrDefault("scale", 1.0) == 1.0) {
                return copy(outName, output, merged.getFirst());
            }
            try {
                method.validate(outName, perModel, global);
            } catch (UserError e) {
                throw new UserError(loaded.sourceName() + ": " + e.getMessage());
            }
            return new TensorTask(output, method, base, merged, perModel, global, seed);
        }

        private boolean listedAsSource(ModelRef ref) {
            Recipe r = loaded.recipe();
            return r.models().stream().anyMatch(m -> m.model().equals(ref))
                    || r.slices().stream().anyMatch(s -> s.sources().stream().anyMatch(src -> src.model().equals(ref)));
        }

        private TensorTask.Input baseOrFirst(LayerPlan.TensorGroup group, List<TensorTask.Input> inputs,
                                             List<ModelRef> models) {
            int i = group.baseModel() == null ? -1 : models.indexOf(group.baseModel());
            return inputs.get(Math.max(i, 0));
        }

        /** A parameter's value as the method reads it: a number, or a choice's index (a search space's own form). */
        private double number(Param p, Scalar v, String tensor) {
            String what = loaded.sourceName() + ": parameter '" + p.name() + "' of merge method " + method.name()
                    + " on tensor '" + tensor + "'";
            if (p.type() == ParamType.CHOICE) {
                if (v instanceof Scalar.Text t) {
                    return p.encode(t.value()).orElseThrow(() -> new UserError(what + " must be one of "
                            + String.join(", ", p.choices()) + ", but was '" + t.value() + "'"));
                }
                if (v instanceof Scalar.Num n && n.value() == Math.rint(n.value()) && p.range().contains(n.value())) {
                    return n.value();
                }
                throw new UserError(what + " must be one of " + String.join(", ", p.choices()) + ", but was " + v);
            }
            if (v instanceof Scalar.Text t) {
                throw new UserError(what + " must be a number, but was '" + t.value() + "'");
            }
            return v.asDouble();
        }

        private TensorTask copy(String outName, TensorInfo output, TensorTask.Input from) {
            TensorInfo out = new TensorInfo(outName, output.dtype(), output.shape());
            return new TensorTask(out, null, null, List.of(from), List.of(Map.of()), Map.of(), seed);
        }

        private TensorTask.Input input(ModelRef model, String name) {
            Checkpoint c = sources.get(model);
            if (!c.contains(name)) {
                throw new UserError(loaded.sourceName() + ": model '" + model + "' has no tensor '" + name + "'");
            }
            return new TensorTask.Input(model.toString(), c, name);
        }

        private void checkShape(String outName, TensorTask.Input ref, TensorTask.Input in) {
            TensorInfo a = ref.info();
            TensorInfo b = in.info();
            if (a.sameShape(b)) {
                return;
            }
            TensorNames.Group g = TensorNames.classify(outName).group();
            boolean vocabularies = (g == TensorNames.Group.EMBEDDING || g == TensorNames.Group.HEAD) && a.rank() == 2
                    && b.rank() == 2 && a.dim(1) == b.dim(1);
            if (vocabularies && vocabularyMerge) {
                return; // permuted onto the output vocabulary (VocabularyMerge)
            }
            String why = vocabularies
                    ? ": different vocabularies (tokenizers); set tokenizer_source: union (or base, or a model) to"
                    + " merge them on one vocabulary, as mergekit does"
                    : ": shapes must match to merge";
            throw new UserError(loaded.sourceName() + ": tensor '" + outName + "': '" + in.label() + "' has shape "
                    + b.shapeString() + " but '" + ref.label() + "' has " + a.shapeString() + why);
        }
    }
}
