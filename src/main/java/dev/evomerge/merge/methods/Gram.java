package dev.evomerge.merge.methods;

/**
 * The Gram matrix of one tensor's inputs (every pairwise dot product, the squared norms on the diagonal) in one
 * streaming pass: the statistics of the methods that treat each whole tensor as a vector (multislerp, karcher).
 * Products in double, summed per block and the blocks in order, so the result does not depend on the thread count.
 */
final class Gram {
    private Gram() {
    }

    /**
     * {@code G[j][k] = <v_j, v_k>} with {@code v_j} model j, or with {@code taskVectors} its task vector
     * {@code x_j - base} rounded to float (as the final pass forms it).
     */
    static double[][] of(Execution ex, Inputs in, boolean taskVectors) {
        int models = in.models();
        int width = models * (models + 1) / 2;
        double[] s = Reduce.blocks(ex, in.n(), width, (lo, hi, acc) -> {
            Inputs.Chunk ch = in.chunk();
            float[] v = new float[models];
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(Blocks.CHUNK, hi - c);
                ch.load(c, len);
                for (int i = 0; i < len; i++) {
                    for (int j = 0; j < models; j++) {
                        float x = ch.xs[j][ch.off + i];
                        v[j] = taskVectors ? x - ch.base[ch.off + i] : x;
                    }
                    int q = 0;
                    for (int j = 0; j < models; j++) {
                        for (int k = j; k < models; k++) {
                            acc[q++] += (double) v[j] * v[k];
                        }
                    }
                }
            }
        });
        double[][] g = new double[models][models];
        int q = 0;
        for (int j = 0; j < models; j++) {
            for (int k = j; k < models; k++) {
                g[j][k] = s[q];
                g[k][j] = s[q];
                q++;
            }
        }
        return g;
    }

    /** {@code a^T G b}. */
    static double form(double[][] g, double[] a, double[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            for (int k = 0; k < b.length; k++) {
                sum += a[j] * g[j][k] * b[k];
            }
        }
        return sum;
    }

    /**
     * {@code out = sum_j c_j v_j} (plus the base with {@code taskVectors}, where {@code v_j = x_j - base}), float32
     * in model order: the final pass of a method whose result is a linear combination of its inputs.
     */
    static void combine(Inputs.Chunk ch, float[] c, boolean taskVectors, float[] out, int outOff) {
        for (int i = 0; i < ch.len; i++) {
            int e = ch.off + i;
            float b = taskVectors ? ch.base[e] : 0f;
            float acc = 0f;
            for (int j = 0; j < c.length; j++) {
                float v = taskVectors ? ch.xs[j][e] - b : ch.xs[j][e];
                acc += c[j] * v;
            }
            out[outOff + i] = taskVectors ? b + acc : acc;
        }
    }
}
