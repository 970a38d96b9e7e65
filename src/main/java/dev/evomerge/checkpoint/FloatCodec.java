package dev.evomerge.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Converts chunks of tensor bytes (little-endian, as safetensors stores them) to and from {@code float[]}: the hot
 * loops of every merge. F32, F16, BF16 and F64 are supported.
 *
 * <p>Fast paths: F32 is a bulk {@link MemorySegment#copy} (a memcpy; faster than any hand-written vector loop);
 * BF16 uses the Vector API (decode: widen and shift left 16; encode: round to nearest even like torch). F16 relies on
 * {@link Float#float16ToFloat}/{@link Float#floatToFloat16}, which HotSpot intrinsifies. Every fast path has a scalar
 * twin; {@code -Devomerge.simd=false} forces the scalar paths and {@code -Devomerge.simd.bits=128|256|512} forces the
 * vector width.
 */
public final class FloatCodec {
    static final boolean SIMD = !"false".equalsIgnoreCase(System.getProperty("evomerge.simd"));

    private static final VectorSpecies<Float> FS = floatSpecies();
    /** Shorts with as many lanes as {@link #FS}: one BF16 element per float lane. */
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FS.length() * 16));
    private static final VectorSpecies<Integer> IS = FS.withLanes(int.class);

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** torch's canonical BF16 NaN (c10::BFloat16 round_to_nearest_even). */
    static final short BF16_NAN = 0x7FC0;

    private FloatCodec() {}

    private static VectorSpecies<Float> floatSpecies() {
        String bits = System.getProperty("evomerge.simd.bits");
        if (bits == null) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(bits.trim())));
    }

    /** Float lanes of the vector paths (for tests of edge sizes). */
    static int lanes() {
        return FS.length();
    }

    /**
     * Decodes {@code len} elements of {@code dtype} starting at byte {@code srcByteOffset} of {@code src} into
     * {@code dst[dstOff .. dstOff+len)}.
     */
    public static void decode(DType dtype, MemorySegment src, long srcByteOffset, float[] dst, int dstOff, int len) {
        if (SIMD) {
            decodeFast(dtype, src, srcByteOffset, dst, dstOff, len);
        } else {
            decodeScalar(dtype, src, srcByteOffset, dst, dstOff, len);
        }
    }

    /**
     * Encodes {@code src[srcOff .. srcOff+len)} as {@code dtype} into {@code dst} starting at byte
     * {@code dstByteOffset}. BF16 and F16 round to nearest even; NaN stays NaN and infinities are preserved.
     */
    public static void encode(DType dtype, float[] src, int srcOff, MemorySegment dst, long dstByteOffset, int len) {
        if (SIMD) {
            encodeFast(dtype, src, srcOff, dst, dstByteOffset, len);
        } else {
            encodeScalar(dtype, src, srcOff, dst, dstByteOffset, len);
        }
    }

    /**
     * Writes {@code src[srcOff .. srcOff+len)} as float32 into {@code dst} at byte {@code dstByteOffset}, each value
     * first rounded to {@code rounding} (what {@code decode(encode(rounding, x))} gives, without the detour):
     * float32 weights that equal, bit for bit, a {@code rounding} checkpoint's once widened.
     */
    public static void encodeRounded(DType rounding, float[] src, int srcOff, MemorySegment dst, long dstByteOffset,
                                     int len) {
        MemorySegment d = slice(DType.F32, dst, dstByteOffset, len);
        Objects.checkFromIndexSize(srcOff, len, src.length);
        switch (rounding) {
            case F32, F64 -> MemorySegment.copy(src, srcOff, d, F32, 0, len);
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    d.set(F32, 4L * i, bf16ToFloat(floatToBf16(src[srcOff + i])));
                }
            }
            case F16 -> {
                for (int i = 0; i < len; i++) {
                    d.set(F32, 4L * i, Float.float16ToFloat(Float.floatToFloat16(src[srcOff + i])));
                }
            }
            default -> throw notConvertible(rounding);
        }
    }

    // ---- fast paths ---------------------------------------------------------------------------------------------

    static void decodeFast(DType dtype, MemorySegment src, long off, float[] dst, int dstOff, int len) {
        MemorySegment s = slice(dtype, src, off, len);
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        switch (dtype) {
            case F32 -> MemorySegment.copy(s, F32, 0, dst, dstOff, len);
            case BF16 -> {
                int bound = FS.loopBound(len);
                int i = 0;
                for (; i < bound; i += FS.length()) {
                    ShortVector h = ShortVector.fromMemorySegment(SS, s, 2L * i, ByteOrder.LITTLE_ENDIAN);
                    IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, IS, 0);
                    w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
                }
                for (; i < len; i++) {
                    dst[dstOff + i] = bf16ToFloat(s.get(I16, 2L * i));
                }
            }
            default -> decodeScalar(dtype, s, 0, dst, dstOff, len);
        }
    }

    static void encodeFast(DType dtype, float[] src, int srcOff, MemorySegment dst, long off, int len) {
        MemorySegment d = slice(dtype, dst, off, len);
        Objects.checkFromIndexSize(srcOff, len, src.length);
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, srcOff, d, F32, 0, len);
            case BF16 -> {
                int bound = FS.loopBound(len);
                int i = 0;
                for (; i < bound; i += FS.length()) {
                    FloatVector f = FloatVector.fromArray(FS, src, srcOff + i);
                    IntVector bits = f.reinterpretAsInts();
                    IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
                    IntVector rounded = bits.add(0x7FFF).add(lsb).lanewise(VectorOperators.LSHR, 16);
                    VectorMask<Integer> nan = f.test(VectorOperators.IS_NAN).cast(IS);
                    rounded = rounded.blend(BF16_NAN, nan);
                    ShortVector h = (ShortVector) rounded.convertShape(VectorOperators.I2S, SS, 0);
                    h.intoMemorySegment(d, 2L * i, ByteOrder.LITTLE_ENDIAN);
                }
                for (; i < len; i++) {
                    d.set(I16, 2L * i, floatToBf16(src[srcOff + i]));
                }
            }
            default -> encodeScalar(dtype, src, srcOff, d, 0, len);
        }
    }

    // ---- scalar twins -------------------------------------------------------------------------------------------

    static void decodeScalar(DType dtype, MemorySegment src, long off, float[] dst, int dstOff, int len) {
        MemorySegment s = slice(dtype, src, off, len);
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = s.get(F32, 4L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = bf16ToFloat(s.get(I16, 2L * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = Float.float16ToFloat(s.get(I16, 2L * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = (float) s.get(F64, 8L * i);
                }
            }
            default -> throw notConvertible(dtype);
        }
    }

    static void encodeScalar(DType dtype, float[] src, int srcOff, MemorySegment dst, long off, int len) {
        MemorySegment d = slice(dtype, dst, off, len);
        Objects.checkFromIndexSize(srcOff, len, src.length);
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < len; i++) {
                    d.set(F32, 4L * i, src[srcOff + i]);
                }
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) {
                    d.set(I16, 2L * i, floatToBf16(src[srcOff + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < len; i++) {
                    d.set(I16, 2L * i, Float.floatToFloat16(src[srcOff + i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < len; i++) {
                    d.set(F64, 8L * i, src[srcOff + i]);
                }
            }
            default -> throw notConvertible(dtype);
        }
    }

    // ---- single elements ----------------------------------------------------------------------------------------

    /** BF16 is the upper half of an IEEE binary32, so widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * Rounds to the nearest BF16, ties to even, as torch does: add 0x7FFF plus the lowest kept bit, then truncate.
     * Overflow rounds to infinity, infinities are unchanged, and every NaN becomes the quiet NaN 0x7FC0.
     */
    public static short floatToBf16(float f) {
        if (Float.isNaN(f)) {
            return BF16_NAN;
        }
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static MemorySegment slice(DType dtype, MemorySegment seg, long byteOffset, int len) {
        if (!dtype.isFloatConvertible()) {
            throw notConvertible(dtype);
        }
        if (len < 0) {
            throw new IndexOutOfBoundsException("negative length " + len);
        }
        return seg.asSlice(byteOffset, (long) len * dtype.byteSize());
    }

    private static IllegalArgumentException notConvertible(DType dtype) {
        return new IllegalArgumentException("dtype " + dtype + " cannot be converted to float");
    }
}
