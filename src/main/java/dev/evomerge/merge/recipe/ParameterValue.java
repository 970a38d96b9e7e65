package dev.evomerge.merge.recipe;

import java.util.Optional;

/**
 * The value of one merge parameter as written in a recipe (mergekit's {@code ParameterSetting}): a {@link Scalar}, a
 * {@link Gradient} interpolated over the layers of a slice, or a {@link Filtered} list chosen by tensor name.
 */
public sealed interface ParameterValue permits Scalar, Gradient, Filtered {

    /**
     * The value for one tensor (mergekit's {@code evaluate_setting}). Empty when this is a filter list and no entry
     * matches {@code tensorName}; the resolver then falls through to the next, less specific level.
     *
     * @param tensorName the tensor's name; may be null or empty for "no tensor", which only unfiltered entries match
     * @param t          position of the tensor's layer within its output slice, in [0, 1]
     */
    Optional<Scalar> evaluate(String tensorName, double t);
}
