package dev.evomerge.model;

import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The decoder written straight from the equations with loops over float arrays (double accumulators), one sequence
 * at a time, no cache, no batching: the oracle for the DJL runtime. Independent of the runtime's code on purpose.
 */
final class ReferenceForward {
    private final ModelConfig c;
    private final List<? extends TensorSource> sources;
    private final LayerPath path;

    ReferenceForward(ModelConfig c, List<? extends TensorSource> sources, LayerPath path) {
        this.c = c;
        this.sources = sources;
        this.path = path;
    }

    ReferenceForward(ModelConfig c, TensorSource source) {
        this(c, List.of(source), LayerPath.identity(c.numLayers()));
    }

    /** Logits [T][V] for tokens at positions 0..T-1. */
    float[][] logits(int[] tokens) {
        int n = tokens.length;
        int h = c.hiddenSize();
        int d = c.headDim();
        int nh = c.numHeads();
        int kvh = c.numKvHeads();
        float[] embed = read(0, "model.embed_tokens.weight");
        float[][] x = new float[n][h];
        for (int t = 0; t < n; t++) {
            System.arraycopy(embed, tokens[t] * h, x[t], 0, h);
        }
        double[] inv = invFreq();
        for (LayerPath.Step step : path.steps()) {
            int s = step.source();
            String p = "model.layers." + step.layer() + ".";
            float[][] hn = norm(x, read(s, p + "input_layernorm.weight"));
            float[][] q = matvec(hn, read(s, p + "self_attn.q_proj.weight"), nh * d, optional(s, p + "self_attn.q_proj.bias"));
            float[][] k = matvec(hn, read(s, p + "self_attn.k_proj.weight"), kvh * d, optional(s, p + "self_attn.k_proj.bias"));
            float[][] v = matvec(hn, read(s, p + "self_attn.v_proj.weight"), kvh * d, optional(s, p + "self_attn.v_proj.bias"));
            for (int t = 0; t < n; t++) {
                rotate(q[t], nh, d, t, inv);
                rotate(k[t], kvh, d, t, inv);
            }
            float[][] att = new float[n][nh * d];
            for (int head = 0; head < nh; head++) {
                int kvHead = head / (nh / kvh);
                for (int i = 0; i < n; i++) {
                    double[] w = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        if (c.slidingWindow() > 0 && i - j >= c.slidingWindow()) {
                            w[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += (double) q[i][head * d + e] * k[j][kvHead * d + e];
                        }
                        w[j] = dot / Math.sqrt(d);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += w[j] / sum * v[j][kvHead * d + e];
                        }
                        att[i][head * d + e] = (float) acc;
                    }
                }
            }
            float[][] o = matvec(att, read(s, p + "self_attn.o_proj.weight"), h,
                    optional(s, p + "self_attn.o_proj.bias"));
            add(x, o, step.scale());
            float[][] hn2 = norm(x, read(s, p + "post_attention_layernorm.weight"));
            float[][] g = matvec(hn2, read(s, p + "mlp.gate_proj.weight"), c.intermediateSize(), null);
            float[][] u = matvec(hn2, read(s, p + "mlp.up_proj.weight"), c.intermediateSize(), null);
            for (int t = 0; t < n; t++) {
                for (int e = 0; e < g[t].length; e++) {
                    double gv = g[t][e];
                    g[t][e] = (float) (gv / (1 + Math.exp(-gv)) * u[t][e]);
                }
            }
            add(x, matvec(g, read(s, p + "mlp.down_proj.weight"), h, null), step.scale());
        }
        float[][] fin = norm(x, read(0, "model.norm.weight"));
        float[] head = c.tieWordEmbeddings() ? embed : read(0, "lm_head.weight");
        return matvec(fin, head, c.vocabSize(), null);
    }

    /** theta^(-2i/D), with Llama 3.1's piecewise wavelength rule applied when rope_scaling is set. */
    private double[] invFreq() {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
            ModelConfig.RopeScaling rs = c.ropeScaling();
            if (rs != null) {
                double wl = 2 * Math.PI / f;
                double lowWl = rs.originalMaxPositionEmbeddings() / rs.lowFreqFactor();
                double highWl = rs.originalMaxPositionEmbeddings() / rs.highFreqFactor();
                if (wl > lowWl) {
                    f /= rs.factor();
                } else if (wl >= highWl) {
                    double sm = (rs.originalMaxPositionEmbeddings() / wl - rs.lowFreqFactor())
                            / (rs.highFreqFactor() - rs.lowFreqFactor());
                    f = (1 - sm) * f / rs.factor() + sm * f;
                }
            }
            inv[i] = f;
        }
        return inv;
    }

    /** Rotate pairs (e, e + D/2) of each head by angle pos * inv[e] (Hugging Face's rotate-half layout). */
    private static void rotate(float[] vec, int heads, int d, int pos, double[] inv) {
        int half = d / 2;
        for (int hd = 0; hd < heads; hd++) {
            for (int e = 0; e < half; e++) {
                double a = pos * inv[e];
                double x1 = vec[hd * d + e];
                double x2 = vec[hd * d + e + half];
                vec[hd * d + e] = (float) (x1 * Math.cos(a) - x2 * Math.sin(a));
                vec[hd * d + e + half] = (float) (x2 * Math.cos(a) + x1 * Math.sin(a));
            }
        }
    }

    private float[][] norm(float[][] x, float[] w) {
        float[][] out = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            double ss = 0;
            for (float v : x[t]) {
                ss += (double) v * v;
            }
            double r = 1 / Math.sqrt(ss / x[t].length + c.rmsNormEps());
            out[t] = new float[x[t].length];
            for (int e = 0; e < x[t].length; e++) {
                out[t][e] = (float) (x[t][e] * r * w[e]);
            }
        }
        return out;
    }

    /** y[t][o] = sum_i W[o][i] x[t][i] + b[o], W row-major [out, in] as PyTorch's Linear stores it. */
    private static float[][] matvec(float[][] x, float[] w, int out, float[] b) {
        int in = x[0].length;
        float[][] y = new float[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    acc += (double) w[o * in + i] * x[t][i];
                }
                y[t][o] = (float) acc;
            }
        }
        return y;
    }

    private static void add(float[][] x, float[][] delta, double scale) {
        for (int t = 0; t < x.length; t++) {
            for (int e = 0; e < x[t].length; e++) {
                x[t][e] = (float) (x[t][e] + scale * delta[t][e]);
            }
        }
    }

    private float[] optional(int source, String name) {
        return sources.get(source).contains(name) ? read(source, name) : null;
    }

    private float[] read(int source, String name) {
        return toFloats(sources.get(source), name);
    }

    static float[] toFloats(TensorSource src, String name) {
        TensorInfo info = src.info(name);
        MemorySegment seg = src.bytes(name);
        float[] out = new float[Math.toIntExact(info.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case F32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                case F16 -> Float.float16ToFloat(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                case BF16 -> Float.intBitsToFloat(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) << 16);
                default -> throw new IllegalArgumentException(info.toString());
            };
        }
        return out;
    }
}
