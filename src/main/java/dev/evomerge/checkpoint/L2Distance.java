package dev.evomerge.checkpoint;

import dev.evomerge.UserError;

/**
 * How far a merged model moved from its base, from tensors alone (no inference): the basin-departure check.
 * Streams in blocks, so it works on mapped checkpoints and in-memory candidates alike without whole-tensor copies.
 */
public final class L2Distance {
    private static final int BLOCK = 1 << 16;

    private L2Distance() {
    }

    /** sqrt(Σ ‖candidate − base‖²) and ‖base‖ over the float tensors both share; shapes must match. */
    public record Value(double distance, double baseNorm) {
        public double relative() {
            return baseNorm == 0 ? (distance == 0 ? 0 : Double.POSITIVE_INFINITY) : distance / baseNorm;
        }
    }

    public static Value l2(TensorSource candidate, TensorSource base) {
        double diff = 0;
        double norm = 0;
        float[] x = new float[BLOCK];
        float[] b = new float[BLOCK];
        for (String name : base.names()) {
            TensorInfo bi = base.info(name);
            if (!bi.dtype().isFloatConvertible()) {
                continue;
            }
            if (!candidate.contains(name)) {
                throw new UserError("the candidate has no tensor '" + name + "', which the base has; the L2 distance"
                        + " needs models of the same shape");
            }
            TensorInfo ci = candidate.info(name);
            if (!ci.sameShape(bi)) {
                throw new UserError("tensor '" + name + "' has shape " + ci.shapeString() + " in the candidate but "
                        + bi.shapeString() + " in the base");
            }
            long n = bi.numel();
            for (long from = 0; from < n; from += BLOCK) {
                int len = (int) Math.min(BLOCK, n - from);
                candidate.readFloats(name, from, x, 0, len);
                base.readFloats(name, from, b, 0, len);
                for (int i = 0; i < len; i++) {
                    double d = (double) x[i] - b[i];
                    diff += d * d;
                    norm += (double) b[i] * b[i];
                }
                if (!Double.isFinite(diff + norm)) {
                    throw nonFinite(name, from, x, b, len, candidate, base);
                }
            }
            candidate.releasePages(name);
            base.releasePages(name);
        }
        return new Value(Math.sqrt(diff), Math.sqrt(norm));
    }

    /** Squares of finite floats cannot overflow a double sum, so a non-finite sum means a NaN or Inf weight. */
    private static UserError nonFinite(String name, long from, float[] x, float[] b, int len, TensorSource candidate,
            TensorSource base) {
        for (int i = 0; i < len; i++) {
            boolean inCandidate = !Float.isFinite(x[i]);
            if (inCandidate || !Float.isFinite(b[i])) {
                float v = inCandidate ? x[i] : b[i];
                return new UserError("tensor '" + name + "' of " + (inCandidate ? "the candidate " + candidate
                        : "the base " + base) + " holds " + (Float.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf")
                        + " at element " + (from + i) + "; the weight distance needs finite weights");
            }
        }
        return new UserError("tensor '" + name + "' makes the weight distance non-finite");
    }
}
