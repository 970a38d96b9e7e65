package dev.evomerge.merge.methods;

import dev.evomerge.UserError;

/** Argument checks shared by the methods. */
final class Checks {
    private Checks() {
    }

    /** The output must have the tensor's size and be none of the inputs (passes re-read the inputs). */
    static void output(TensorInput in, float[] out) {
        if (out == null || out.length != in.numel()) {
            throw new IllegalArgumentException("Output for tensor " + in.tensorName() + " must have " + in.numel()
                    + " elements, but " + (out == null ? "was null" : "has " + out.length));
        }
        if (out == in.base()) {
            throw new IllegalArgumentException("Output for tensor " + in.tensorName() + " aliases the base tensor");
        }
        for (int j = 0; j < in.modelCount(); j++) {
            if (out == in.model(j)) {
                throw new IllegalArgumentException("Output for tensor " + in.tensorName() + " aliases model " + j);
            }
        }
    }

    /** Enforces the method's {@link BaseModelUse}. */
    static void base(MergeMethod m, TensorInput in) {
        base(m, in.tensorName(), in.base() != null);
    }

    static void base(MergeMethod m, String tensorName, boolean hasBase) {
        if (m.baseModelUse() == BaseModelUse.REQUIRED && !hasBase) {
            throw new UserError("merge method " + m.name() + " needs a base_model, but none was given for tensor '"
                    + tensorName + "'");
        }
        if (m.baseModelUse() == BaseModelUse.NONE && hasBase) {
            throw new UserError("merge method " + m.name() + " does not use a base_model (tensor '" + tensorName
                    + "'); list that model under models instead");
        }
    }
}
