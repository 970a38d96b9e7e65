package dev.evomerge.merge.recipe;

import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * Which source layers feed which output layer, as mergekit's {@code MergePlanner} lays a merge out.
 *
 * <p>A {@code models:} recipe becomes one slice whose sources are the models' full layer ranges, each with its
 * parameters; a base model that is not among the models is appended as a source without parameters. All of them must
 * have the same number of layers, which is the output's. A {@code slices:} recipe keeps its slices: output layers are
 * the slices' layers concatenated in order (frankenmerges), so the output's {@code num_hidden_layers} is the sum of the
 * slice lengths.
 *
 * <p>Within a slice of n layers, output layer i has gradient position t = i / (n - 1), and t = 1 when n = 1. Tensors
 * outside the layers are planned with t = 0: the embeddings from the first slice (its sources, its parameters), the
 * final norm and lm_head from the last slice. For the latter mergekit pairs the last slice's sources with as many
 * inputs as the first slice has sources, so only the first {@code min(first, last)} sources of the last slice feed
 * them; this plan reproduces that.
 *
 * @param recipe     the recipe planned
 * @param slices     the slices after normalization (one per output slice)
 * @param layers     one entry per output layer, in order
 * @param embeddings tensors before the layers (token embeddings)
 * @param head       tensors after the layers (final norm, lm_head)
 */
public record LayerPlan(Recipe recipe, List<PlannedSlice> slices, List<OutputLayer> layers,
                        NonLayerTensors embeddings, NonLayerTensors head) {

    public LayerPlan {
        Objects.requireNonNull(recipe, "recipe");
        slices = List.copyOf(slices);
        layers = List.copyOf(layers);
        Objects.requireNonNull(embeddings, "embeddings");
        Objects.requireNonNull(head, "head");
    }

    /** The output model's {@code num_hidden_layers}. */
    public int numLayers() {
        return layers.size();
    }

    /**
     * One output slice after normalization.
     *
     * @param index            position among the output slices
     * @param slice            its sources and parameters ({@code models:} entries become full-range sources)
     * @param baseModel        the base model in effect: the slice's own, else the recipe's; null if neither
     * @param firstOutputLayer index of its first output layer
     */
    public record PlannedSlice(int index, Slice slice, ModelRef baseModel, int firstOutputLayer) {
    }

    /** A group of tensors planned together: which slice's parameters apply, at which gradient position, from whom. */
    public sealed interface TensorGroup permits OutputLayer, NonLayerTensors {
        int sliceIndex();

        double t();

        /** The models whose tensors are merged, in source order. */
        List<ModelRef> models();

        /** The base model in effect, or null. */
        ModelRef baseModel();
    }

    /**
     * One output layer.
     *
     * @param index      output layer index
     * @param sliceIndex the slice it belongs to
     * @param t          gradient position within the slice
     * @param inputs     for each source, in order, the model and the input layer index that feeds this layer
     */
    public record OutputLayer(int index, int sliceIndex, double t, List<LayerInput> inputs, ModelRef baseModel)
            implements TensorGroup {
        public OutputLayer {
            inputs = List.copyOf(inputs);
        }

        @Override
        public List<ModelRef> models() {
            return inputs.stream().map(LayerInput::model).toList();
        }
    }

    /** Layer {@code layer} of {@code model}. */
    public record LayerInput(ModelRef model, int layer) {
    }

    /** Tensors outside the decoder layers; t is always 0 for them. */
    public record NonLayerTensors(int sliceIndex, List<ModelRef> models, ModelRef baseModel) implements TensorGroup {
        public NonLayerTensors {
            models = List.copyOf(models);
        }

        @Override
        public double t() {
            return 0.0;
        }
    }

    /**
     * Plans {@code recipe}. {@code numLayers} gives a model's {@code num_hidden_layers} (from its config.json); it is
     * asked only for models a models-merge uses and for slice sources, to check their layer ranges.
     *
     * @param sourceName names the recipe in error messages
     */
    public static LayerPlan of(Recipe recipe, String sourceName, ToIntFunction<ModelRef> numLayers) {
        List<Slice> normalized = recipe.isSliced() ? recipe.slices() : List.of(modelsSlice(recipe, sourceName, numLayers));
        if (recipe.isSliced()) {
            for (int i = 0; i < normalized.size(); i++) {
                List<SliceSource> sources = normalized.get(i).sources();
                for (int j = 0; j < sources.size(); j++) {
                    SliceSource s = sources.get(j);
                    int available = numLayers.applyAsInt(s.model());
                    if (s.end() > available) {
                        throw new UserError(sourceName + ": slices[" + i + "].sources[" + j + "].layer_range: end "
                                + s.end() + " exceeds the " + available + " layers of '" + s.model() + "'");
                    }
                }
            }
        }
        return build(recipe, normalized);
    }

    /**
     * The plan of a further layer stack that a recipe's slices do not index (a multimodal model's vision tower, see
     * {@code DecoderLayout}): one slice made of this plan's first slice, each source over its whole stack, with the
     * same parameters and base. Its layers are merged like the embeddings, from the first slice's models, and within
     * it layer i has gradient position i / (n - 1). For a {@code models:} recipe this is the recipe's own plan over the
     * other stack. {@code numLayers} gives a model's layer count in that stack; all must be equal.
     *
     * @param stack names the stack in error messages
     */
    public LayerPlan wholeStack(ToIntFunction<ModelRef> numLayers, String sourceName, String stack) {
        Slice first = slices.getFirst().slice();
        List<SliceSource> sources = new ArrayList<>();
        for (SliceSource s : first.sources()) {
            int n = numLayers.applyAsInt(s.model());
            if (n <= 0) {
                throw new UserError(sourceName + ": '" + s.model() + "' has no " + stack + " layers; the " + stack
                        + " is merged whole, so every model needs the same number of its layers");
            }
            if (!sources.isEmpty() && n != sources.getFirst().length()) {
                throw new UserError(sourceName + ": '" + s.model() + "' has " + n + " " + stack + " layers but '"
                        + sources.getFirst().model() + "' has " + sources.getFirst().length() + "; the " + stack
                        + " is merged whole, so every model needs the same number of its layers");
            }
            sources.add(new SliceSource(s.model(), 0, n, s.parameters()));
        }
        return build(recipe, List.of(new Slice(sources, first.baseModel(), null, first.parameters())));
    }

    private static LayerPlan build(Recipe recipe, List<Slice> normalized) {
        List<PlannedSlice> planned = new ArrayList<>();
        List<OutputLayer> layers = new ArrayList<>();
        for (int i = 0; i < normalized.size(); i++) {
            Slice s = normalized.get(i);
            ModelRef base = s.baseModel() != null ? s.baseModel() : recipe.baseModel();
            planned.add(new PlannedSlice(i, s, base, layers.size()));
            int n = s.length();
            for (int k = 0; k < n; k++) {
                double t = n > 1 ? (double) k / (n - 1) : 1.0;
                List<LayerInput> inputs = new ArrayList<>();
                for (SliceSource src : s.sources()) {
                    inputs.add(new LayerInput(src.model(), src.start() + k));
                }
                layers.add(new OutputLayer(layers.size(), i, t, inputs, base));
            }
        }
        PlannedSlice first = planned.getFirst();
        PlannedSlice last = planned.getLast();
        List<ModelRef> firstModels = first.slice().sources().stream().map(SliceSource::model).toList();
        List<ModelRef> lastModels = last.slice().sources().stream().map(SliceSource::model).toList();
        NonLayerTensors embeddings = new NonLayerTensors(first.index(), firstModels, first.baseModel());
        NonLayerTensors head = new NonLayerTensors(last.index(),
                lastModels.subList(0, Math.min(firstModels.size(), lastModels.size())), last.baseModel());
        return new LayerPlan(recipe, planned, layers, embeddings, head);
    }

    private static Slice modelsSlice(Recipe recipe, String sourceName, ToIntFunction<ModelRef> numLayers) {
        List<SliceSource> sources = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < recipe.models().size(); i++) {
            ModelEntry m = recipe.models().get(i);
            sources.add(fullRange(m.model(), m.parameters(), numLayers, sourceName, "models[" + i + "].model"));
            paths.add("models[" + i + "].model");
        }
        ModelRef base = recipe.baseModel();
        if (base != null && recipe.models().stream().noneMatch(m -> m.model().equals(base))) {
            sources.add(fullRange(base, java.util.Map.of(), numLayers, sourceName, "base_model"));
            paths.add("base_model");
        }
        int n = sources.getFirst().length();
        for (int i = 1; i < sources.size(); i++) {
            if (sources.get(i).length() != n) {
                throw new UserError(sourceName + ": " + paths.get(i) + ": '" + sources.get(i).model() + "' has "
                        + sources.get(i).length() + " layers but '" + sources.getFirst().model() + "' has " + n
                        + "; a models: merge needs equal layer counts (use slices: to choose layer ranges)");
            }
        }
        return new Slice(sources);
    }

    private static SliceSource fullRange(ModelRef model, java.util.Map<String, ParameterValue> params,
                                         ToIntFunction<ModelRef> numLayers, String sourceName, String path) {
        int n = numLayers.applyAsInt(model);
        if (n <= 0) {
            throw new UserError(sourceName + ": " + path + ": '" + model + "' has " + n + " layers; nothing to merge");
        }
        return new SliceSource(model, 0, n, params);
    }
}
