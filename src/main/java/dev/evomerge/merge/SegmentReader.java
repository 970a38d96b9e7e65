package dev.evomerge.merge;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.merge.methods.ChunkReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A tensor task's inputs read straight from their (mapped) byte segments: each chunk is decoded from BF16, F16, F32
 * or F64 into the caller's buffer, so no whole-tensor float array is ever made. An embedding permuted onto a merged
 * vocabulary ({@link VocabularyMerge.Permuted}) is read through its row mapping instead, never built whole.
 */
final class SegmentReader implements ChunkReader {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Index 0 is the base (may be null), index j + 1 model j. */
    private final MemorySegment[] segments;
    private final DType[] dtypes;
    /** Index as {@link #segments}: the permuted inputs, read row by row, else null. */
    private final TensorTask.Input[] permuted;

    /** Returns null unless every input is a float tensor of exactly {@code numel} elements. */
    static SegmentReader of(TensorTask task, long numel) {
        int models = task.models().size();
        MemorySegment[] segs = new MemorySegment[models + 1];
        DType[] types = new DType[models + 1];
        TensorTask.Input[] permuted = new TensorTask.Input[models + 1];
        for (int i = 0; i <= models; i++) {
            TensorTask.Input in = i == 0 ? task.base() : task.models().get(i - 1);
            if (in == null) {
                continue;
            }
            var info = in.info();
            if (!info.dtype().isFloatConvertible() || info.numel() != numel) {
                return null;
            }
            if (in.source() instanceof VocabularyMerge.Permuted) {
                permuted[i] = in;
                continue;
            }
            segs[i] = in.source().bytes(in.name());
            types[i] = info.dtype();
        }
        return new SegmentReader(segs, types, permuted);
    }

    private SegmentReader(MemorySegment[] segments, DType[] dtypes, TensorTask.Input[] permuted) {
        this.segments = segments;
        this.dtypes = dtypes;
        this.permuted = permuted;
    }

    @Override
    public void read(int input, int from, int len, float[] dst) {
        TensorTask.Input p = permuted[input + 1];
        if (p != null) {
            p.source().readFloats(p.name(), from, dst, 0, len);
            return;
        }
        DType dt = dtypes[input + 1];
        FloatCodec.decode(dt, segments[input + 1], (long) from * dt.byteSize(), dst, 0, len);
    }

    @Override
    public float get(int input, int index) {
        TensorTask.Input p = permuted[input + 1];
        if (p != null) {
            float[] one = new float[1];
            p.source().readFloats(p.name(), index, one, 0, 1);
            return one[0];
        }
        MemorySegment s = segments[input + 1];
        return switch (dtypes[input + 1]) {
            case BF16 -> FloatCodec.bf16ToFloat(s.get(I16, 2L * index));
            case F16 -> Float.float16ToFloat(s.get(I16, 2L * index));
            case F32 -> s.get(F32, 4L * index);
            case F64 -> (float) s.get(F64, 8L * index);
            default -> throw new IllegalStateException("dtype " + dtypes[input + 1] + " is not a float type");
        };
    }
}
