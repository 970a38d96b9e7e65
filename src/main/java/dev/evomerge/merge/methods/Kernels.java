package dev.evomerge.merge.methods;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise float32 kernels. Each has a Vector API version and a scalar twin that perform the same IEEE
 * operations in the same order (multiplies and adds are never fused, as in torch's CPU kernels), so the two agree
 * bit for bit; {@code simd} picks one.
 */
final class Kernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;

    private Kernels() {
    }

    // ---------------------------------------------------------------- linear

    /**
     * {@code out[i] = sum_j w[j] * xs[j][i]} accumulated in model order, then divided by {@code wsum} when
     * {@code normalize} (mergekit linear: {@code (weights * tensors).sum(0) / weights.sum(0)}).
     */
    static void weightedSum(float[][] xs, float[] w, int lo, int hi, float[] out, boolean normalize, float wsum,
            boolean simd) {
        weightedSum(xs, w, lo, hi - lo, out, lo, normalize, wsum, simd);
    }

    /** As above over {@code len} elements read from {@code xs[j][off..]} and written to {@code out[outOff..]}. */
    static void weightedSum(float[][] xs, float[] w, int off, int len, float[] out, int outOff, boolean normalize,
            float wsum, boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector acc = FloatVector.fromArray(FS, xs[0], off + k).mul(w[0]);
                for (int j = 1; j < xs.length; j++) {
                    acc = acc.add(FloatVector.fromArray(FS, xs[j], off + k).mul(w[j]));
                }
                if (normalize) {
                    acc = acc.div(wsum);
                }
                acc.intoArray(out, outOff + k);
            }
        }
        for (; k < len; k++) {
            float acc = xs[0][off + k] * w[0];
            for (int j = 1; j < xs.length; j++) {
                acc = acc + xs[j][off + k] * w[j];
            }
            out[outOff + k] = normalize ? acc / wsum : acc;
        }
    }

    /** {@code out[i] = x[i] * s}. */
    static void scale(float[] x, float s, int lo, int hi, float[] out, boolean simd) {
        int i = lo;
        if (simd) {
            int upper = lo + FS.loopBound(hi - lo);
            for (; i < upper; i += FS.length()) {
                FloatVector.fromArray(FS, x, i).mul(s).intoArray(out, i);
            }
        }
        for (; i < hi; i++) {
            out[i] = x[i] * s;
        }
    }

    // ---------------------------------------------------------------- sparsified deltas (one chunk)

    /** {@code out[k] = (x[lo+k] - b[lo+k]) * s} for k in [0, len). */
    static void delta(float[] x, float[] b, int lo, int len, float s, float[] out, boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector.fromArray(FS, x, lo + k).sub(FloatVector.fromArray(FS, b, lo + k)).mul(s)
                        .intoArray(out, k);
            }
        }
        for (; k < len; k++) {
            out[k] = (x[lo + k] - b[lo + k]) * s;
        }
    }

    /** Order-preserving integer key of |d|: the float bits with the sign cleared (NaN sorts above +inf). */
    static int magnitudeKey(float d) {
        return Float.floatToRawIntBits(d) & 0x7fffffff;
    }

    /** Keeps the delta where {@code lowKey <= |d| key <= highKey}: {@code out[k] = keep ? d * s : 0}. */
    static void keyWindow(float[] x, float[] b, int lo, int len, int lowKey, int highKey, float s, float[] out,
            boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            FloatVector zero = FloatVector.zero(FS);
            for (; k < upper; k += FS.length()) {
                FloatVector d = FloatVector.fromArray(FS, x, lo + k).sub(FloatVector.fromArray(FS, b, lo + k));
                IntVector key = d.reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff);
                VectorMask<Float> keep = key.compare(VectorOperators.GE, lowKey)
                        .and(key.compare(VectorOperators.LE, highKey)).cast(FS);
                zero.blend(d.mul(s), keep).intoArray(out, k);
            }
        }
        for (; k < len; k++) {
            float d = x[lo + k] - b[lo + k];
            int key = magnitudeKey(d);
            out[k] = key >= lowKey && key <= highKey ? d * s : 0f;
        }
    }

    /**
     * DARE's Bernoulli keep: element {@code i = lo + k} is kept when {@code CounterRng.bits24(k1, k2, i) < thr}
     * (see {@link CounterRng}); {@code out[k] = keep ? d * s : 0}.
     */
    static void bernoulli(float[] x, float[] b, int lo, int len, int k1, int k2, int thr, float s, float[] out,
            boolean simd) {
        bernoulli(x, b, lo, lo, len, k1, k2, thr, s, out, simd);
    }

    /** As above with the inputs at {@code x[off..]}, {@code b[off..]} and element indices from {@code index}. */
    static void bernoulli(float[] x, float[] b, int off, int index, int len, int k1, int k2, int thr, float s,
            float[] out, boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            FloatVector zero = FloatVector.zero(FS);
            IntVector iota = IntVector.zero(IS).addIndex(1);
            for (; k < upper; k += FS.length()) {
                IntVector bits = CounterRng.bits24(iota.add(index + k), k1, k2);
                VectorMask<Float> keep = bits.compare(VectorOperators.LT, thr).cast(FS);
                FloatVector d = FloatVector.fromArray(FS, x, off + k).sub(FloatVector.fromArray(FS, b, off + k));
                zero.blend(d.mul(s), keep).intoArray(out, k);
            }
        }
        for (; k < len; k++) {
            float d = x[off + k] - b[off + k];
            out[k] = CounterRng.bits24(index + k, k1, k2) < thr ? d * s : 0f;
        }
    }

    /** Keeps the delta where bit {@code lo + k} of {@code mask} is set: {@code out[k] = keep ? d * s : 0}. */
    static void masked(float[] x, float[] b, int lo, int len, long[] mask, float s, float[] out, boolean simd) {
        masked(x, b, lo, lo, len, mask, s, out, simd);
    }

    /**
     * As above with the inputs at {@code x[off..]}, {@code b[off..]} and the keep bits from bit {@code index} of
     * {@code mask} on (bit {@code i & 63} of word {@code i >>> 6} for element i).
     */
    static void masked(float[] x, float[] b, int off, int index, int len, long[] mask, float s, float[] out,
            boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            FloatVector zero = FloatVector.zero(FS);
            for (; k < upper; k += FS.length()) {
                VectorMask<Float> keep = VectorMask.fromLong(FS, bitsFrom(mask, index + k));
                FloatVector d = FloatVector.fromArray(FS, x, off + k).sub(FloatVector.fromArray(FS, b, off + k));
                zero.blend(d.mul(s), keep).intoArray(out, k);
            }
        }
        for (; k < len; k++) {
            float d = x[off + k] - b[off + k];
            int i = index + k;
            out[k] = (mask[i >>> 6] >>> (i & 63) & 1L) != 0 ? d * s : 0f;
        }
    }

    /** The 64 mask bits from bit {@code i} on (fewer past the end), bit i lowest. */
    private static long bitsFrom(long[] mask, int i) {
        int word = i >>> 6;
        int shift = i & 63;
        long bits = mask[word] >>> shift;
        if (shift != 0 && word + 1 < mask.length) {
            bits |= mask[word + 1] << (64 - shift);
        }
        return bits;
    }

    // ---------------------------------------------------------------- task-vector combination (one chunk)

    /**
     * Without sign consensus: {@code mixed = sum_j sd[j] * w[j]}, divided by {@code divisor} when
     * {@code normalize}, times {@code lambda} when it is not 1; {@code out[lo+k] = b[lo+k] + mixed}.
     */
    static void combineLinear(float[][] sd, float[] w, float[] b, int lo, int len, boolean normalize,
            float divisor, float lambda, float[] out, boolean simd) {
        combineLinear(sd, w, b, lo, len, normalize, divisor, lambda, out, lo, simd);
    }

    /** As above with the base at {@code b[bOff..]} and the result written to {@code out[outOff..]}. */
    static void combineLinear(float[][] sd, float[] w, float[] b, int bOff, int len, boolean normalize,
            float divisor, float lambda, float[] out, int outOff, boolean simd) {
        boolean scaled = lambda != 1f;
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector mixed = FloatVector.zero(FS);
                for (int j = 0; j < sd.length; j++) {
                    mixed = mixed.add(FloatVector.fromArray(FS, sd[j], k).mul(w[j]));
                }
                if (normalize) {
                    mixed = mixed.div(divisor);
                }
                if (scaled) {
                    mixed = mixed.mul(lambda);
                }
                FloatVector.fromArray(FS, b, bOff + k).add(mixed).intoArray(out, outOff + k);
            }
        }
        for (; k < len; k++) {
            float mixed = 0f;
            for (int j = 0; j < sd.length; j++) {
                mixed = mixed + sd[j][k] * w[j];
            }
            if (normalize) {
                mixed = mixed / divisor;
            }
            if (scaled) {
                mixed = mixed * lambda;
            }
            out[outOff + k] = b[bOff + k] + mixed;
        }
    }

    /** {@link Math#signum(float)} lane by lane: 1, -1, 0 for zeros, NaN for NaN. */
    private static FloatVector signum(FloatVector v) {
        return FloatVector.zero(FS).blend(1f, v.compare(VectorOperators.GT, 0f))
                .blend(-1f, v.compare(VectorOperators.LT, 0f)).blend(v, v.test(VectorOperators.IS_NAN));
    }

    /**
     * TIES sign consensus ("sum" method, mergekit {@code get_mask}): with {@code wd_j = sd[j] * w[j]}, the
     * elected sign is + where {@code sum_j wd_j >= 0}, else -; model j contributes where {@code sign(wd_j)} equals
     * it (a zero never does). {@code mixed = sum of contributing wd_j}; the divisor is the sum of contributing
     * {@code w_j}, replaced by 1 where it is exactly 0; then normalize, lambda and {@code out = b + mixed}.
     */
    static void combineConsensus(float[][] sd, float[] w, float[] b, int lo, int len, boolean normalize,
            float lambda, float[] out, boolean simd) {
        combineConsensus(sd, w, b, lo, len, normalize, lambda, out, lo, simd);
    }

    /** As above with the base at {@code b[bOff..]} and the result written to {@code out[outOff..]}. */
    static void combineConsensus(float[][] sd, float[] w, float[] b, int bOff, int len, boolean normalize,
            float lambda, float[] out, int outOff, boolean simd) {
        combineConsensus(sd, w, b, bOff, len, false, normalize, lambda, out, outOff, simd);
    }

    /**
     * As above; with {@code countSigns} the elected sign is mergekit's "count" consensus: + where
     * {@code sum_j sign(wd_j) >= 0} (more positive than negative weighted deltas, a tie positive), else -.
     */
    static void combineConsensus(float[][] sd, float[] w, float[] b, int bOff, int len, boolean countSigns,
            boolean normalize, float lambda, float[] out, int outOff, boolean simd) {
        boolean scaled = lambda != 1f;
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            FloatVector zero = FloatVector.zero(FS);
            for (; k < upper; k += FS.length()) {
                FloatVector sum = zero;
                for (int j = 0; j < sd.length; j++) {
                    FloatVector wd = FloatVector.fromArray(FS, sd[j], k).mul(w[j]);
                    sum = sum.add(countSigns ? signum(wd) : wd);
                }
                VectorMask<Float> positive = sum.compare(VectorOperators.GE, 0f);
                FloatVector mixed = zero;
                FloatVector divisor = zero;
                for (int j = 0; j < sd.length; j++) {
                    FloatVector wd = FloatVector.fromArray(FS, sd[j], k).mul(w[j]);
                    VectorMask<Float> agree = wd.compare(VectorOperators.GT, 0f).and(positive)
                            .or(wd.compare(VectorOperators.LT, 0f).andNot(positive));
                    mixed = mixed.add(zero.blend(wd, agree));
                    divisor = divisor.add(zero.blend(w[j], agree));
                }
                if (normalize) {
                    divisor = divisor.blend(1f, divisor.compare(VectorOperators.EQ, 0f));
                    mixed = mixed.div(divisor);
                }
                if (scaled) {
                    mixed = mixed.mul(lambda);
                }
                FloatVector.fromArray(FS, b, bOff + k).add(mixed).intoArray(out, outOff + k);
            }
        }
        for (; k < len; k++) {
            float sum = 0f;
            for (int j = 0; j < sd.length; j++) {
                float wd = sd[j][k] * w[j];
                sum = sum + (countSigns ? Math.signum(wd) : wd);
            }
            boolean positive = sum >= 0f;
            float mixed = 0f;
            float divisor = 0f;
            for (int j = 0; j < sd.length; j++) {
                float wd = sd[j][k] * w[j];
                boolean agree = positive ? wd > 0f : wd < 0f;
                mixed = mixed + (agree ? wd : 0f);
                divisor = divisor + (agree ? w[j] : 0f);
            }
            if (normalize) {
                mixed = mixed / (divisor == 0f ? 1f : divisor);
            }
            if (scaled) {
                mixed = mixed * lambda;
            }
            out[outOff + k] = b[bOff + k] + mixed;
        }
    }

    // ---------------------------------------------------------------- interpolation

    /**
     * {@code out[outOff + k] = c0 * v0[off + k] + c1 * v1[off + k]} for k in [0, len), where with a base
     * {@code v = x - base} and the base is added back: {@code base + (c0 * (x0 - base) + c1 * (x1 - base))}.
     */
    static void interpolate(float c0, float[] x0, float c1, float[] x1, float[] base, int off, int len, float[] out,
            int outOff, boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector v0 = FloatVector.fromArray(FS, x0, off + k);
                FloatVector v1 = FloatVector.fromArray(FS, x1, off + k);
                if (base == null) {
                    v0.mul(c0).add(v1.mul(c1)).intoArray(out, outOff + k);
                } else {
                    FloatVector bv = FloatVector.fromArray(FS, base, off + k);
                    bv.add(v0.sub(bv).mul(c0).add(v1.sub(bv).mul(c1))).intoArray(out, outOff + k);
                }
            }
        }
        for (; k < len; k++) {
            int i = off + k;
            if (base == null) {
                out[outOff + k] = x0[i] * c0 + x1[i] * c1;
            } else {
                float bv = base[i];
                out[outOff + k] = bv + ((x0[i] - bv) * c0 + (x1[i] - bv) * c1);
            }
        }
    }

    /**
     * As {@link #interpolate} with a coefficient per element: element {@code off + k} uses {@code c0[cOff + k]},
     * {@code c1[cOff + k]} (one row's run of columns, each column with its own coefficients).
     */
    static void interpolateColumns(float[] c0, float[] c1, int cOff, float[] x0, float[] x1, float[] base, int off,
            int len, float[] out, int outOff, boolean simd) {
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector a = FloatVector.fromArray(FS, c0, cOff + k);
                FloatVector c = FloatVector.fromArray(FS, c1, cOff + k);
                FloatVector v0 = FloatVector.fromArray(FS, x0, off + k);
                FloatVector v1 = FloatVector.fromArray(FS, x1, off + k);
                if (base == null) {
                    v0.mul(a).add(v1.mul(c)).intoArray(out, outOff + k);
                } else {
                    FloatVector bv = FloatVector.fromArray(FS, base, off + k);
                    bv.add(v0.sub(bv).mul(a).add(v1.sub(bv).mul(c))).intoArray(out, outOff + k);
                }
            }
        }
        for (; k < len; k++) {
            int i = off + k;
            if (base == null) {
                out[outOff + k] = x0[i] * c0[cOff + k] + x1[i] * c1[cOff + k];
            } else {
                float bv = base[i];
                out[outOff + k] = bv + ((x0[i] - bv) * c0[cOff + k] + (x1[i] - bv) * c1[cOff + k]);
            }
        }
    }

    /**
     * Model Stock's final step (mergekit {@code model_stock.py}): {@code avg = (w_1 + ... + w_N) / N} summed in
     * model order, {@code out = t * avg + (1 - t) * w0} with {@code oneMinusT = 1 - t} rounded to float; inputs at
     * {@code [off, off + len)}, output at {@code out[outOff..]}.
     */
    static void stock(float t, float oneMinusT, float[] w0, float[][] ws, int off, int len, float[] out, int outOff,
            boolean simd) {
        float n = ws.length;
        int k = 0;
        if (simd) {
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector sum = FloatVector.fromArray(FS, ws[0], off + k);
                for (int j = 1; j < ws.length; j++) {
                    sum = sum.add(FloatVector.fromArray(FS, ws[j], off + k));
                }
                sum.div(n).mul(t).add(FloatVector.fromArray(FS, w0, off + k).mul(oneMinusT))
                        .intoArray(out, outOff + k);
            }
        }
        for (; k < len; k++) {
            int i = off + k;
            float sum = ws[0][i];
            for (int j = 1; j < ws.length; j++) {
                sum = sum + ws[j][i];
            }
            out[outOff + k] = sum / n * t + w0[i] * oneMinusT;
        }
    }
}
