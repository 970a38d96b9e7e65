package dev.evomerge.merge;

import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import dev.evomerge.merge.methods.MergeMethod;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one output tensor is made, with every parameter already resolved and checked.
 *
 * @param output       name, dtype and shape written
 * @param method       the merge method, or null to copy {@code models.get(0)} (converting dtype if needed)
 * @param base         the base model's tensor, or null (see the method's {@code BaseModelUse})
 * @param models       the merged inputs in recipe order
 * @param modelParams  per-model parameter values, one map per input in {@code models}
 * @param globalParams method-wide parameter values
 * @param seed         seed of random methods
 */
public record TensorTask(TensorInfo output, MergeMethod method, Input base, List<Input> models,
                         List<Map<String, Double>> modelParams, Map<String, Double> globalParams, long seed) {

    /** Tensor {@code name} of a source ({@code label} names it in messages). */
    public record Input(String label, TensorSource source, String name) {
        public Input {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(name, "name");
        }

        public TensorInfo info() {
            return source.info(name);
        }
    }

    public TensorTask {
        Objects.requireNonNull(output, "output");
        models = List.copyOf(models);
        modelParams = List.copyOf(modelParams);
        globalParams = Map.copyOf(globalParams);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("Tensor " + output.name() + " has no inputs");
        }
    }

    /** Drops the inputs' mapped pages from the resident set once the task has read them. */
    public void releaseInputPages() {
        if (base != null) {
            base.source().releasePages(base.name());
        }
        for (Input in : models) {
            in.source().releasePages(in.name());
        }
    }

    /** Whether the output is a byte copy of one input (passthrough with no scaling, or a non-float tensor). */
    public boolean isCopy() {
        return method == null;
    }

    /** Bytes read from sources to make this tensor. */
    public long sourceBytes() {
        long n = base == null ? 0 : base.info().byteSize();
        for (Input in : models) {
            n += in.info().byteSize();
        }
        return n;
    }
}
