package dev.evomerge.merge.recipe;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedSet;
import java.util.function.Consumer;

/**
 * A merge recipe: the same model as a mergekit YAML configuration ({@code MergeConfiguration}). Exactly one of
 * {@code models} (whole models merged layer for layer) and {@code slices} (layer ranges stacked in order) is non-empty.
 * Optional components are null when absent.
 *
 * <p>{@code seed} is an evomerge extension: the seed of the random choices of stochastic methods (DARE, DELLA), so that
 * a recipe alone fixes the merged bytes. mergekit has no such key and silently ignores it (its schema ignores unknown
 * keys); evomerge's parser refuses every other unknown key.
 *
 * @param mergeMethod     the merge method's name, as registered by the method registry (not checked here)
 * @param baseModel       the base model, or null
 * @param models          whole-model entries (empty for a slices recipe)
 * @param slices          output slices (empty for a models recipe)
 * @param parameters      top-level parameters (the least specific level before method defaults)
 * @param dtype           the dtype to merge in (mergekit {@code dtype}), or null
 * @param outDtype        the dtype to write (mergekit {@code out_dtype}), or null
 * @param tokenizerSource legacy {@code tokenizer_source}, or null
 * @param tokenizer       {@code tokenizer:} block, or null (at most one of the two)
 * @param chatTemplate    {@code chat_template}, or null
 * @param name            {@code name} (mergekit-multi's stage name), or null
 * @param seed            evomerge extension {@code seed}, or null
 */
public record Recipe(String mergeMethod, ModelRef baseModel, List<ModelEntry> models, List<Slice> slices,
                     Map<String, ParameterValue> parameters, String dtype, String outDtype,
                     TokenizerSource tokenizerSource, TokenizerConfig tokenizer, String chatTemplate, String name,
                     Long seed) {

    public Recipe {
        Objects.requireNonNull(mergeMethod, "mergeMethod");
        if (mergeMethod.isBlank()) {
            throw new IllegalArgumentException("merge_method must not be blank");
        }
        models = models == null ? List.of() : List.copyOf(models);
        slices = slices == null ? List.of() : List.copyOf(slices);
        if (models.isEmpty() == slices.isEmpty()) {
            throw new IllegalArgumentException("give exactly one of models or slices, but "
                    + (models.isEmpty() ? "neither was given" : "both were given"));
        }
        SequencedSet<ModelRef> seen = new LinkedHashSet<>();
        for (int i = 0; i < models.size(); i++) {
            if (!seen.add(models.get(i).model())) {
                throw new IllegalArgumentException("models[" + i + "] repeats model '" + models.get(i).model()
                        + "'; each model may appear once");
            }
        }
        parameters = Parameters.copy(parameters);
        if (dtype != null) {
            checkDtype("dtype", dtype);
        }
        if (outDtype != null) {
            checkDtype("out_dtype", outDtype);
        }
        if (tokenizerSource != null && tokenizer != null) {
            throw new IllegalArgumentException("give at most one of tokenizer_source or tokenizer");
        }
    }

    /** mergekit accepts torch's spelling too ({@code torch.bfloat16}). */
    static void checkDtype(String field, String value) {
        try {
            DType.fromRecipe(field, value.startsWith("torch.") ? value.substring("torch.".length()) : value);
        } catch (UserError e) {
            throw new IllegalArgumentException("unknown dtype '" + value + "' (allowed: float32, float16, bfloat16)", e);
        }
    }

    /** Whether this is a {@code slices:} recipe. */
    public boolean isSliced() {
        return !slices.isEmpty();
    }

    /**
     * Every model the recipe names, first mention first: base model, models or slice sources, slice base models,
     * tokenizer sources. This is the list a preflight check must find on disk.
     */
    public List<ModelRef> referencedModels() {
        SequencedSet<ModelRef> refs = new LinkedHashSet<>();
        if (baseModel != null) {
            refs.add(baseModel);
        }
        models.forEach(m -> refs.add(m.model()));
        for (Slice s : slices) {
            s.sources().forEach(src -> refs.add(src.model()));
            if (s.baseModel() != null) {
                refs.add(s.baseModel());
            }
        }
        if (tokenizerSource != null) {
            tokenizerSource.model().ifPresent(refs::add);
        }
        if (tokenizer != null) {
            tokenizer.source().model().ifPresent(refs::add);
            for (TokenizerConfig.TokenEmbedding te : tokenizer.tokens().values()) {
                switch (te.source()) {
                    case TokenizerConfig.FromModel(ModelRef m) -> refs.add(m);
                    case TokenizerConfig.ModelToken mt -> refs.add(mt.model());
                    case null, default -> { }
                }
            }
        }
        return List.copyOf(refs);
    }

    /** Where a parameter name is used: its key path (e.g. {@code slices[0].sources[1].parameters.weight}). */
    public record ParameterUse(String path, String name, boolean perModel) {
    }

    /**
     * Every parameter name with its key path; {@code perModel} is true for names under a model entry or slice source.
     * The method registry uses this to refuse names its method does not take, citing the path.
     */
    public List<ParameterUse> parameterUses() {
        List<ParameterUse> uses = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            addUses(uses, "models[" + i + "].parameters", models.get(i).parameters(), true);
        }
        for (int i = 0; i < slices.size(); i++) {
            Slice s = slices.get(i);
            for (int j = 0; j < s.sources().size(); j++) {
                addUses(uses, "slices[" + i + "].sources[" + j + "].parameters", s.sources().get(j).parameters(), true);
            }
            addUses(uses, "slices[" + i + "].parameters", s.parameters(), false);
        }
        addUses(uses, "parameters", parameters, false);
        return List.copyOf(uses);
    }

    private static void addUses(List<ParameterUse> uses, String prefix, Map<String, ParameterValue> params,
                                boolean perModel) {
        params.keySet().forEach(name -> uses.add(new ParameterUse(prefix + "." + name, name, perModel)));
    }

    /** mergekit-compatible YAML; {@code RecipeParser.parse(toYaml(), name)} equals this recipe. */
    public String toYaml() {
        return RecipeWriter.write(this);
    }

    public static Builder builder(String mergeMethod) {
        return new Builder(mergeMethod);
    }

    /** A builder starting from this recipe, for variations (e.g. a search decoding genomes into recipes). */
    public Builder toBuilder() {
        Builder b = new Builder(mergeMethod);
        b.baseModel = baseModel;
        b.models.addAll(models);
        b.slices.addAll(slices);
        b.parameters.putAll(parameters);
        b.dtype = dtype;
        b.outDtype = outDtype;
        b.tokenizerSource = tokenizerSource;
        b.tokenizer = tokenizer;
        b.chatTemplate = chatTemplate;
        b.name = name;
        b.seed = seed;
        return b;
    }

    /** Mutable assembly of a {@link Recipe}; {@link #build()} validates. */
    public static final class Builder {
        private String mergeMethod;
        private ModelRef baseModel;
        private final List<ModelEntry> models = new ArrayList<>();
        private final List<Slice> slices = new ArrayList<>();
        private final Map<String, ParameterValue> parameters = new java.util.LinkedHashMap<>();
        private String dtype;
        private String outDtype;
        private TokenizerSource tokenizerSource;
        private TokenizerConfig tokenizer;
        private String chatTemplate;
        private String name;
        private Long seed;

        private Builder(String mergeMethod) {
            this.mergeMethod = mergeMethod;
        }

        public Builder mergeMethod(String value) {
            mergeMethod = value;
            return this;
        }

        public Builder baseModel(String path) {
            return baseModel(path == null ? null : new ModelRef(path));
        }

        public Builder baseModel(ModelRef value) {
            baseModel = value;
            return this;
        }

        public Builder model(String path, Map<String, ParameterValue> params) {
            models.add(new ModelEntry(new ModelRef(path), params));
            return this;
        }

        public Builder model(ModelEntry entry) {
            models.add(entry);
            return this;
        }

        public Builder clearModels() {
            models.clear();
            return this;
        }

        public Builder slice(Slice slice) {
            slices.add(slice);
            return this;
        }

        public Builder clearSlices() {
            slices.clear();
            return this;
        }

        public Builder parameter(String paramName, ParameterValue value) {
            parameters.put(paramName, value);
            return this;
        }

        public Builder parameters(Consumer<Map<String, ParameterValue>> edit) {
            edit.accept(parameters);
            return this;
        }

        public Builder dtype(String value) {
            dtype = value;
            return this;
        }

        public Builder outDtype(String value) {
            outDtype = value;
            return this;
        }

        public Builder tokenizerSource(TokenizerSource value) {
            tokenizerSource = value;
            return this;
        }

        public Builder tokenizer(TokenizerConfig value) {
            tokenizer = value;
            return this;
        }

        public Builder chatTemplate(String value) {
            chatTemplate = value;
            return this;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder seed(Long value) {
            seed = value;
            return this;
        }

        public Recipe build() {
            return new Recipe(mergeMethod, baseModel, models, slices, parameters, dtype, outDtype, tokenizerSource,
                    tokenizer, chatTemplate, name, seed);
        }
    }
}
