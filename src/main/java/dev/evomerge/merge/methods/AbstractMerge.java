package dev.evomerge.merge.methods;

import java.util.Objects;
import java.util.Optional;

/**
 * A merge method from its {@link MethodSpec}: runs the checks every method shares once (output size and aliasing,
 * the base model's use, parameter names, required values, finiteness and defaults) and hands the method its
 * resolved {@link Params}.
 */
abstract class AbstractMerge implements MergeMethod {
    private final MethodSpec spec;

    AbstractMerge(MethodSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    @Override
    public final MethodSpec spec() {
        return spec;
    }

    @Override
    public final void merge(TensorInput in, float[] out, Execution ex) {
        Checks.output(in, out);
        Checks.base(this, in);
        merge(in, Params.resolve(this, in), out, ex);
    }

    @Override
    public final Optional<ChunkedMerge> chunked(TensorSpec tensor, ChunkReader reader, Execution ex) {
        if (!streams(tensor)) {
            return Optional.empty();
        }
        Checks.base(this, tensor.tensorName(), tensor.hasBase());
        Params p = Params.resolve(this, tensor.tensorName(), tensor.modelParams(), tensor.globalParams());
        return Optional.of(chunked(tensor, p, reader, ex));
    }

    /** Merges one checked tensor; {@code p} holds every declared parameter (defaults filled). */
    abstract void merge(TensorInput in, Params p, float[] out, Execution ex);

    /** Whether this tensor can be merged chunk by chunk ({@link #chunked(TensorSpec, Params, ChunkReader, Execution)}). */
    boolean streams(TensorSpec tensor) {
        return false;
    }

    /** The chunked merge of one checked tensor; called only where {@link #streams} is true. */
    ChunkedMerge chunked(TensorSpec tensor, Params p, ChunkReader reader, Execution ex) {
        throw new UnsupportedOperationException(name() + " has no chunked path");
    }
}
