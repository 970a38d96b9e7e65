package dev.evomerge.merge.recipe;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The value of a merge parameter for one tensor, with mergekit's precedence ({@code ConfigReader.parameter}):
 * <ol>
 *   <li>the parameters of the slice source (or {@code models:} entry) for the given model, in source order;</li>
 *   <li>the output slice's parameters;</li>
 *   <li>the recipe's top-level parameters;</li>
 *   <li>the method's default.</li>
 * </ol>
 * A level that does not mention the name, or whose filter list matches nothing for the tensor, defers to the next.
 * Per-model ("tensor") parameters such as {@code weight} and {@code density} are resolved with a model; method-wide
 * ones such as {@code normalize}, {@code lambda} or slerp's {@code t} without one ({@code model == null}), which skips
 * level 1, as mergekit does.
 *
 * <p>Tensor names, as in mergekit: per-model lookups use the <em>input</em> tensor's name (the source model's layer
 * index, see {@link LayerPlan.LayerInput}); method-wide lookups use the <em>output</em> tensor's name. They differ only
 * for filters that mention a layer number.
 */
public final class ParameterResolver {
    private final LayerPlan plan;
    private final Function<String, Optional<Scalar>> defaults;

    private ParameterResolver(LayerPlan plan, Function<String, Optional<Scalar>> defaults) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    /** Resolves with the merge method's defaults (from the method registry; empty where a parameter has none). */
    public static ParameterResolver of(LayerPlan plan, Function<String, Optional<Scalar>> defaults) {
        return new ParameterResolver(plan, defaults);
    }

    public static ParameterResolver of(LayerPlan plan, Map<String, ? extends Scalar> defaults) {
        Map<String, Scalar> copy = Map.copyOf(defaults);
        return new ParameterResolver(plan, name -> Optional.ofNullable(copy.get(name)));
    }

    /** Resolves without defaults: absent unless the recipe sets the parameter. */
    public static ParameterResolver withoutDefaults(LayerPlan plan) {
        return new ParameterResolver(plan, name -> Optional.empty());
    }

    /** A per-model parameter for {@code model}'s tensor {@code tensorName} in {@code group}. */
    public Optional<Scalar> resolve(String name, LayerPlan.TensorGroup group, ModelRef model, String tensorName) {
        return resolve(name, group.sliceIndex(), group.t(), tensorName, Objects.requireNonNull(model, "model"));
    }

    /** A method-wide parameter for output tensor {@code tensorName} in {@code group}. */
    public Optional<Scalar> resolveGlobal(String name, LayerPlan.TensorGroup group, String tensorName) {
        return resolve(name, group.sliceIndex(), group.t(), tensorName, null);
    }

    /**
     * The general form: slice {@code sliceIndex} of the plan, gradient position {@code t}, and {@code model} null for
     * method-wide parameters.
     */
    public Optional<Scalar> resolve(String name, int sliceIndex, double t, String tensorName, ModelRef model) {
        Objects.requireNonNull(name, "name");
        if (!(t >= 0.0 && t <= 1.0)) {
            throw new IllegalArgumentException("t must be in [0, 1], but was " + t);
        }
        Slice slice = plan.slices().get(Objects.checkIndex(sliceIndex, plan.slices().size())).slice();
        if (model != null) {
            for (SliceSource s : slice.sources()) {
                if (s.model().equals(model)) {
                    Optional<Scalar> v = evaluate(s.parameters(), name, tensorName, t);
                    if (v.isPresent()) {
                        return v;
                    }
                }
            }
        }
        Optional<Scalar> v = evaluate(slice.parameters(), name, tensorName, t);
        if (v.isPresent()) {
            return v;
        }
        v = evaluate(plan.recipe().parameters(), name, tensorName, t);
        if (v.isPresent()) {
            return v;
        }
        return Objects.requireNonNull(defaults.apply(name), "defaults returned null");
    }

    private static Optional<Scalar> evaluate(Map<String, ParameterValue> params, String name, String tensorName,
                                             double t) {
        ParameterValue value = params.get(name);
        return value == null ? Optional.empty() : value.evaluate(tensorName, t);
    }
}
