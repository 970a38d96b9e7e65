package dev.evomerge.merge.methods;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a merge method needs for one output tensor.
 *
 * <p>The float arrays are the sources in float32, row-major, all of length {@code numel(shape)}. They are
 * <em>not</em> copied (they may be hundreds of megabytes) and a method never writes to them; the output array
 * must be a different array. Which arrays go where is fixed by the method's {@link BaseModelUse}.
 *
 * @param tensorName   the output tensor's name; used in error messages and to key random streams
 * @param shape        the tensor's shape (copied); some methods work per row or per column of it
 * @param base         the base model's tensor, or {@code null} (see {@link BaseModelUse})
 * @param models       the inputs to merge, in recipe order, the base model excluded for methods that use it
 * @param modelParams  per-model resolved parameter values, one map per entry of {@code models}, same order
 * @param globalParams resolved method-wide parameter values
 * @param seed         seed of the random methods; with the tensor name and model index it fixes every draw
 */
public record TensorInput(String tensorName, long[] shape, float[] base, float[][] models,
        List<Map<String, Double>> modelParams, Map<String, Double> globalParams, long seed) {

    public TensorInput {
        // The spec checks name, shape and parameters and makes the defensive copies; only the arrays are left here.
        TensorSpec spec = new TensorSpec(tensorName, shape, base != null, modelParams, globalParams, seed);
        shape = spec.shape();
        modelParams = spec.modelParams();
        globalParams = spec.globalParams();
        models = Objects.requireNonNull(models, "models").clone();
        long numel = spec.numel();
        if (modelParams.size() != models.length) {
            throw new IllegalArgumentException("Tensor " + tensorName + ": " + models.length + " models but "
                    + modelParams.size() + " per-model parameter maps");
        }
        if (base != null && base.length != numel) {
            throw new UserError("tensor '" + tensorName + "' of the base model has " + base.length
                    + " elements but its shape " + Arrays.toString(shape) + " needs " + numel);
        }
        for (int j = 0; j < models.length; j++) {
            Objects.requireNonNull(models[j], "models[" + j + "]");
            if (models[j].length != numel) {
                throw new UserError("tensor '" + tensorName + "' of model " + j + " has " + models[j].length
                        + " elements but the merged shape " + Arrays.toString(shape) + " needs " + numel);
            }
        }
    }

    /** Number of elements, the product of {@link #shape()}. */
    public int numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return (int) n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public float[][] models() {
        return models.clone();
    }

    /** Model {@code j}'s array without copying the outer array. */
    float[] model(int j) {
        return models[j];
    }

    int modelCount() {
        return models.length;
    }

    long dim(int i) {
        return shape[i];
    }

    int rank() {
        return shape.length;
    }
}
