package dev.evomerge.merge.methods;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Keeps the elements whose rank lies in a window [lo, hi) of the ascending order of {@code (|d|, index)}: ties
 * in magnitude are broken by position, the later element counting as the larger. Magnitude pruning (TIES) is the
 * window {@code [n - k, n)}, Model Breadcrumbs {@code [n_bot, n - n_top)}.
 *
 * <p>With {@code L}, {@code U} the magnitude keys at ranks {@code lo} and {@code hi - 1}, an element is kept iff
 * {@code L <= key <= U}, except that among elements whose key equals {@code L} the first {@code dropLow} in index
 * order are dropped, and among those equal to {@code U} only the first {@code keepHigh} are kept. Those two
 * partial cases need the number of equal keys before each chunk ({@code prefixLow}, {@code prefixHigh}); they are
 * ignored when the key is 0, since keeping or dropping a zero delta changes nothing.
 */
record KeyWindow(int lowKey, int highKey, int dropLow, int[] prefixLow, int keepHigh, int[] prefixHigh)
        implements Sparsifier {

    /** A window with no partial ties: keep iff {@code lowKey <= key <= highKey}. */
    static KeyWindow of(int lowKey, int highKey) {
        return new KeyWindow(lowKey, highKey, 0, null, 0, null);
    }

    private boolean lowPartial() {
        return prefixLow != null;
    }

    private boolean highPartial() {
        return prefixHigh != null;
    }

    @Override
    public void apply(float[] x, float[] b, int lo, int index, int len, float s, float[] out, boolean simd) {
        if (!lowPartial() && !highPartial()) {
            Kernels.keyWindow(x, b, lo, len, lowKey, highKey, s, out, simd);
            return;
        }
        int chunk = index / Blocks.CHUNK;
        int[] counters = {lowPartial() ? prefixLow[chunk] : 0, highPartial() ? prefixHigh[chunk] : 0};
        int k = 0;
        if (simd) {
            var fs = Kernels.FS;
            int upper = fs.loopBound(len);
            FloatVector zero = FloatVector.zero(fs);
            for (; k < upper; k += fs.length()) {
                FloatVector d = FloatVector.fromArray(fs, x, lo + k).sub(FloatVector.fromArray(fs, b, lo + k));
                IntVector key = d.reinterpretAsInts().lanewise(VectorOperators.AND, 0x7fffffff);
                var keep = key.compare(VectorOperators.GE, lowKey).and(key.compare(VectorOperators.LE, highKey));
                // Equal keys are decided by their running count; a vector is handled here unless the count crosses
                // dropLow or keepHigh inside it, so only the boundary vector goes scalar.
                var eqLow = lowPartial() ? key.compare(VectorOperators.EQ, lowKey) : null;
                var eqHigh = highPartial() ? key.compare(VectorOperators.EQ, highKey) : null;
                int nLow = eqLow == null ? 0 : eqLow.trueCount();
                int nHigh = eqHigh == null ? 0 : eqHigh.trueCount();
                boolean crossLow = nLow > 0 && counters[0] < dropLow && counters[0] + nLow > dropLow;
                boolean crossHigh = nHigh > 0 && counters[1] < keepHigh && counters[1] + nHigh > keepHigh;
                if (crossLow || crossHigh) {
                    scalar(x, b, lo, k, k + fs.length(), s, out, counters);
                    continue;
                }
                if (nLow > 0) {
                    if (counters[0] < dropLow) {
                        keep = keep.andNot(eqLow);
                    }
                    counters[0] += nLow;
                }
                if (nHigh > 0) {
                    if (counters[1] >= keepHigh) {
                        keep = keep.andNot(eqHigh);
                    }
                    counters[1] += nHigh;
                }
                zero.blend(d.mul(s), keep.cast(fs)).intoArray(out, k);
            }
        }
        scalar(x, b, lo, k, len, s, out, counters);
    }

    private void scalar(float[] x, float[] b, int lo, int from, int to, float s, float[] out, int[] counters) {
        for (int k = from; k < to; k++) {
            float d = x[lo + k] - b[lo + k];
            int key = Kernels.magnitudeKey(d);
            boolean keep = key >= lowKey && key <= highKey;
            if (lowPartial() && key == lowKey) {
                keep &= counters[0]++ >= dropLow;
            }
            if (highPartial() && key == highKey) {
                keep &= counters[1]++ < keepHigh;
            }
            out[k] = keep ? d * s : 0f;
        }
    }
}
