package dev.evomerge.merge.methods;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link TensorInput} without its data: what a chunked merge needs to know of one output tensor before it reads
 * any element through a {@link ChunkReader}.
 *
 * @param tensorName   the output tensor's name; used in error messages and to key random streams
 * @param shape        the tensor's shape (copied)
 * @param hasBase      whether a base model's tensor is given ({@link ChunkReader#BASE})
 * @param modelParams  per-model resolved parameter values, one map per model, in recipe order
 * @param globalParams resolved method-wide parameter values
 * @param seed         seed of the random methods
 */
public record TensorSpec(String tensorName, long[] shape, boolean hasBase, List<Map<String, Double>> modelParams,
        Map<String, Double> globalParams, long seed) {

    public TensorSpec {
        Objects.requireNonNull(tensorName, "tensorName");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(modelParams, "modelParams");
        Objects.requireNonNull(globalParams, "globalParams");
        shape = shape.clone();
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Tensor " + tensorName + " has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
            numel = Math.multiplyExact(numel, d);
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Tensor " + tensorName + " has " + numel
                    + " elements, more than one Java array can hold; split it before merging");
        }
        List<Map<String, Double>> copied = new ArrayList<>(modelParams.size());
        for (Map<String, Double> m : modelParams) {
            copied.add(Map.copyOf(m));
        }
        modelParams = List.copyOf(copied);
        globalParams = Map.copyOf(globalParams);
    }

    /** Number of elements, the product of {@link #shape()}. */
    public int numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return (int) n;
    }

    /** Number of models (the base excluded). */
    public int modelCount() {
        return modelParams.size();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
