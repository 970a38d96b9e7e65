package dev.evomerge.merge.methods;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One of mergekit's merge methods as a pure function over the float32 tensors of one output tensor.
 *
 * <p>Parameters follow mergekit's split: {@link #globalParams()} are the method-wide {@code parameters:} of a
 * recipe ({@code normalize}, {@code lambda}, {@code t}, ...), {@link #modelParams()} are the per-model "tensor
 * parameters" ({@code weight}, {@code density}, ...). Names, required-ness and defaults are mergekit's. A method
 * checks the values it is given (unknown names, missing required values, non-finite numbers and out-of-range
 * values are {@link dev.evomerge.UserError}s naming the tensor) and fills defaults itself, so a caller may pass
 * only what the recipe says.
 *
 * <p>Implementations are stateless and thread-safe; {@link #merge} has no side effect but writing {@code out}.
 */
public interface MergeMethod {
    /** The method's declaration: name, base-model use, parameters with defaults and ranges. */
    MethodSpec spec();

    /** mergekit's name, e.g. {@code dare_ties}. */
    default String name() {
        return spec().name();
    }

    /** How the base model enters; this fixes what goes in {@link TensorInput#base()} and {@code models()}. */
    default BaseModelUse baseModelUse() {
        return spec().baseModelUse();
    }

    /** Whether {@link TensorInput#base()} must be non-null. */
    default boolean requiresBase() {
        return baseModelUse() == BaseModelUse.REQUIRED;
    }

    /** Method-wide parameters with mergekit's defaults, in mergekit's declaration order. */
    default List<Param> globalParams() {
        return spec().globalParams();
    }

    /** Per-model parameters with mergekit's defaults, in mergekit's declaration order. */
    default List<Param> modelParams() {
        return spec().modelParams();
    }

    /**
     * Parameter names this method does not take but that mergekit's own recipes give it and mergekit ignores (e.g.
     * {@code weight} under slerp): a recipe may carry them, with a warning, where any other unknown name is refused.
     */
    default Set<String> ignoredParams() {
        return spec().ignoredParams();
    }

    /**
     * Merges one tensor into {@code out}, which must have {@code input.numel()} elements and be none of the inputs.
     *
     * @throws dev.evomerge.UserError when the inputs or parameters cannot be merged (the message names the tensor)
     */
    void merge(TensorInput input, float[] out, Execution exec);

    /**
     * Checks one tensor's parameters before any tensor data is read (the merge engine's preflight): names, required
     * values, finiteness and the ranges a recipe can get wrong. {@link #merge} repeats these checks.
     *
     * @throws dev.evomerge.UserError naming the tensor and parameter
     */
    default void validate(String tensorName, List<Map<String, Double>> modelParams, Map<String, Double> globalParams) {
        Params.check(this, tensorName, modelParams, globalParams);
    }

    /**
     * This method prepared to merge one tensor chunk by chunk from {@code reader}, or empty when it needs whole
     * tensors (then the caller decodes them and calls {@link #merge}). Preparing makes the passes over the inputs
     * that per-tensor statistics need (magnitude thresholds, L1 norms); the result is bit-identical to
     * {@link #merge} on the decoded inputs, whatever the execution's thread count.
     *
     * @throws dev.evomerge.UserError as {@link #merge} would
     */
    default Optional<ChunkedMerge> chunked(TensorSpec spec, ChunkReader reader, Execution exec) {
        return Optional.empty();
    }

    /** Merges one tensor into a new array. */
    default float[] merge(TensorInput input, Execution exec) {
        float[] out = new float[input.numel()];
        merge(input, out, exec);
        return out;
    }
}
