package dev.evomerge.merge;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.TensorSource;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Finds NaN and ±Inf in merged tensors. A merge that overflows float32 ({@code weight: 1e308}) or reads a source that
 * already holds NaN writes a checkpoint that loads and then produces garbage; the engine checks every output chunk
 * while it is still in cache (one extra add per element, see {@link #allFinite}) and refuses the merge naming the
 * tensor, unless the user allowed non-finite values.
 */
public final class NonFinite {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    /** Elements decoded at a time when a tensor's raw bytes are scanned. */
    private static final int CHUNK = 1 << 14;

    private NonFinite() {
    }

    /** A merge output with NaN or ±Inf; the message names the tensor and, where one is to blame, the source. */
    public static final class Error extends UserError {
        public Error(String message) {
            super(message);
        }
    }

    /**
     * Whether {@code v[off, off+len)} are all finite: {@code x - x} is 0 for finite x and NaN for NaN and ±Inf, so
     * one sum of those differences is NaN exactly when some element is not finite.
     */
    static boolean allFinite(float[] v, int off, int len, boolean simd) {
        int k = 0;
        float acc = 0f;
        if (simd) {
            FloatVector a = FloatVector.zero(FS);
            int upper = FS.loopBound(len);
            for (; k < upper; k += FS.length()) {
                FloatVector x = FloatVector.fromArray(FS, v, off + k);
                a = a.add(x.sub(x));
            }
            acc = a.reduceLanes(VectorOperators.ADD);
        }
        for (; k < len; k++) {
            float x = v[off + k];
            acc += x - x;
        }
        return acc == 0f;
    }

    static boolean allFinite(float[] v, int off, int len) {
        return allFinite(v, off, len, FS.length() > 1);
    }

    /** Index of the first non-finite element of {@code v[off, off+len)} relative to {@code off}, or -1. */
    static int first(float[] v, int off, int len) {
        for (int k = 0; k < len; k++) {
            if (!Float.isFinite(v[off + k])) {
                return k;
            }
        }
        return -1;
    }

    /** Index of the first non-finite element of a tensor stored as {@code dtype} in {@code bytes}, or -1. */
    static long first(DType dtype, MemorySegment bytes) {
        if (!dtype.isFloatConvertible()) {
            return -1;
        }
        long numel = bytes.byteSize() / dtype.byteSize();
        float[] buf = new float[(int) Math.min(CHUNK, numel)];
        for (long from = 0; from < numel; from += buf.length) {
            int n = (int) Math.min(buf.length, numel - from);
            FloatCodec.decode(dtype, bytes, from * dtype.byteSize(), buf, 0, n);
            if (!allFinite(buf, 0, n)) {
                return from + first(buf, 0, n);
            }
        }
        return -1;
    }

    /** "NaN", "+Inf" or "-Inf". */
    static String describe(float x) {
        return Float.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
    }

    /**
     * Why output {@code tensor} came out non-finite: the first source whose tensor holds NaN/Inf, else the merge
     * itself overflowed float32 (a huge weight or scale). Only called on failure, so it may scan the sources.
     */
    static String blame(TensorTask task) {
        for (TensorTask.Input in : sources(task)) {
            TensorSource src = in.source();
            long at = first(src.info(in.name()).dtype(), src.bytes(in.name()));
            if (at >= 0) {
                return "source " + src + " already holds a non-finite value in '" + in.name() + "' (element " + at
                        + ")";
            }
        }
        return "the sources are finite, so the merge overflowed float32: check the recipe's weights and scales";
    }

    private static java.util.List<TensorTask.Input> sources(TensorTask task) {
        java.util.List<TensorTask.Input> all = new java.util.ArrayList<>();
        if (task.base() != null) {
            all.add(task.base());
        }
        all.addAll(task.models());
        return all;
    }
}
