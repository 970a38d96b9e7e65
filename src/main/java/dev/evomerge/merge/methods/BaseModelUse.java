package dev.evomerge.merge.methods;

/**
 * How a method uses the recipe's {@code base_model}, and therefore how a caller fills {@link TensorInput}.
 *
 * <p>mergekit adds the base model to every tensor's inputs when one is set; methods that use it then exclude it
 * from the merged set (task-vector methods skip it, slerp pairs it, model_stock holds it apart). We make that
 * explicit: for {@link #REQUIRED} and {@link #OPTIONAL} methods the base tensor goes in {@link TensorInput#base()}
 * and {@link TensorInput#models()} holds the <em>other</em> inputs in recipe order, never the base again even if
 * the recipe lists it under {@code models:} (its per-model parameters are then ignored, as in mergekit).
 */
public enum BaseModelUse {
    /**
     * The method never reads a base tensor ({@code linear}, {@code passthrough}). Callers pass {@code base = null}
     * and every model listed under {@code models:} (including the base model if it is listed there, with its own
     * weight) in {@code models}. A non-null base is refused with a {@link dev.evomerge.UserError}, because
     * mergekit would feed it in as an extra input without a weight and fail.
     */
    NONE,
    /** The base tensor is used when present ({@code nuslerp}: interpolate task vectors instead of weights). */
    OPTIONAL,
    /** The base tensor must be present (task-arithmetic family, {@code slerp}, {@code model_stock}). */
    REQUIRED
}
