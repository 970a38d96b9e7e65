package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatCodecTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    /** {float bits, expected BF16 bits}, each worked out by hand from round-to-nearest-even on bit 16. */
    private static final int[][] BF16_GOLDEN = {
        {0x3F800000, 0x3F80}, // 1.0 exact
        {0x3F807FFF, 0x3F80}, // just below the halfway point: down
        {0x3F808000, 0x3F80}, // tie, kept bit 0 is even: down
        {0x3F808001, 0x3F81}, // just above the tie: up
        {0x3F818000, 0x3F82}, // tie, kept bit 1 is odd: up to even
        {0xBF808000, 0xBF80}, // negative tie: magnitude rounds to even
        {0xBF818000, 0xBF82},
        {0x7F7F7FFF, 0x7F7F}, // largest value that stays finite
        {0x7F7FFFFF, 0x7F80}, // FLT_MAX rounds up to +Inf, as in torch
        {0x7F800000, 0x7F80}, // +Inf
        {0xFF800000, 0xFF80}, // -Inf
        {0x00000000, 0x0000}, // +0
        {0x80000000, 0x8000}, // -0
        {0x00000001, 0x0000}, // smallest float subnormal underflows to +0
        {0x00008000, 0x0000}, // subnormal tie to even (0)
        {0x00018000, 0x0002}, // subnormal tie to even (2)
        {0x007F8000, 0x0080}, // largest BF16 subnormal + half ulp: tie rounds to the smallest normal
        {0x80010000, 0x8001}, // negative BF16 subnormal, exact
        {0x7FC00000, 0x7FC0}, // quiet NaN
        {0x7F800001, 0x7FC0}, // signalling NaN with payload only in dropped bits: must not become Inf
        {0xFFC00000, 0x7FC0}, // negative NaN: torch's canonical NaN
        {0x7FFFFFFF, 0x7FC0}, // NaN whose rounding would carry into the sign bit
    };

    @Test
    void bf16EncodeMatchesHandComputedBitsScalarAndVector() {
        float[] in = new float[BF16_GOLDEN.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = f(BF16_GOLDEN[i][0]);
            assertEquals(BF16_GOLDEN[i][1], FloatCodec.floatToBf16(in[i]) & 0xFFFF,
                    () -> "floatToBf16 of " + Integer.toHexString(Float.floatToRawIntBits(in[0])));
        }
        try (Arena a = Arena.ofConfined()) {
            for (boolean fast : new boolean[] {false, true}) {
                MemorySegment seg = a.allocate(2L * in.length);
                if (fast) {
                    FloatCodec.encodeFast(DType.BF16, in, 0, seg, 0, in.length);
                } else {
                    FloatCodec.encodeScalar(DType.BF16, in, 0, seg, 0, in.length);
                }
                for (int i = 0; i < in.length; i++) {
                    assertEquals(BF16_GOLDEN[i][1], seg.get(I16, 2L * i) & 0xFFFF,
                            "case " + i + " (" + Integer.toHexString(BF16_GOLDEN[i][0]) + "), fast=" + fast);
                }
            }
        }
    }

    @Test
    void bf16DecodeIsExactWidening() {
        int[] bits = {0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x3F80, 0xC049, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0};
        float[] expected = new float[bits.length];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(2L * bits.length);
            for (int i = 0; i < bits.length; i++) {
                seg.set(I16, 2L * i, (short) bits[i]);
                expected[i] = f(bits[i] << 16);
            }
            assertEquals(f(0x00010000), FloatCodec.bf16ToFloat((short) 1)); // subnormal survives
            assertEquals(-3.140625f, f(0xC0490000)); // hand check of one widened value
            for (boolean fast : new boolean[] {false, true}) {
                float[] out = new float[bits.length];
                if (fast) {
                    FloatCodec.decodeFast(DType.BF16, seg, 0, out, 0, out.length);
                } else {
                    FloatCodec.decodeScalar(DType.BF16, seg, 0, out, 0, out.length);
                }
                for (int i = 0; i < bits.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[i]),
                            "bf16 " + Integer.toHexString(bits[i]) + " fast=" + fast);
                }
            }
        }
    }

    @Test
    void f16EncodeRoundsToNearestEvenWithHandComputedBits() {
        // {float, expected f16 bits}
        Object[][] cases = {
            {1.0f, 0x3C00}, {-2.0f, 0xC000}, {65504f, 0x7BFF}, // largest finite half
            {65519.99f, 0x7BFF}, {65520f, 0x7C00}, // the tie above 65504 rounds to even: Inf
            {0x1p-24f, 0x0001}, // smallest half subnormal
            {0x1p-25f, 0x0000}, // tie between 0 and 2^-24: even (0)
            {0x3p-25f, 0x0002}, // tie between 1 and 2 ulps: even (2)
            {0.0f, 0x0000}, {-0.0f, 0x8000},
            {Float.POSITIVE_INFINITY, 0x7C00}, {Float.NEGATIVE_INFINITY, 0xFC00},
            {1.0f + 0x1p-11f, 0x3C00}, // tie at 1 + half ulp: even (1.0)
            {1.0f + 0x3p-11f, 0x3C02}, // tie at 1 + 1.5 ulp: even (1 + 2 ulp)
        };
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(2L * cases.length);
            float[] in = new float[cases.length];
            for (int i = 0; i < cases.length; i++) {
                in[i] = (Float) cases[i][0];
            }
            FloatCodec.encode(DType.F16, in, 0, seg, 0, in.length);
            for (int i = 0; i < cases.length; i++) {
                assertEquals((int) cases[i][1], seg.get(I16, 2L * i) & 0xFFFF, "f16 of " + in[i]);
            }
            float[] back = new float[in.length];
            FloatCodec.decode(DType.F16, seg, 0, back, 0, back.length);
            assertEquals(0x1p-24f, back[5]);
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(back[9]));
            assertEquals(Float.NEGATIVE_INFINITY, back[11]);
            float[] nan = {Float.NaN};
            FloatCodec.encode(DType.F16, nan, 0, seg, 0, 1);
            FloatCodec.decode(DType.F16, seg, 0, back, 0, 1);
            assertTrue(Float.isNaN(back[0]));
        }
    }

    @Test
    void roundTripsAreExactForRepresentableValuesOfEveryDtype() {
        float[] specials = {0f, -0f, 1f, -1.5f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.1415927f, 1e-40f, -7.0e-39f};
        for (DType dt : new DType[] {DType.F32, DType.F64, DType.BF16, DType.F16}) {
            float[] in = new float[specials.length];
            for (int i = 0; i < in.length; i++) {
                in[i] = representable(dt, specials[i]);
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment seg = a.allocate((long) dt.byteSize() * in.length + 3);
                // Odd byte offset: checkpoints need not be aligned.
                FloatCodec.encode(dt, in, 0, seg, 3, in.length);
                float[] out = new float[in.length];
                FloatCodec.decode(dt, seg, 3, out, 0, out.length);
                for (int i = 0; i < in.length; i++) {
                    assertEquals(Float.floatToRawIntBits(in[i]), Float.floatToRawIntBits(out[i]),
                            dt + " round trip of " + in[i]);
                }
                float[] nan = {Float.NaN};
                FloatCodec.encode(dt, nan, 0, seg, 0, 1);
                FloatCodec.decode(dt, seg, 0, out, 0, 1);
                assertTrue(Float.isNaN(out[0]), dt + " keeps NaN");
            }
        }
    }

    /** The value {@code dt} stores for {@code x}, computed independently of FloatCodec. */
    private static float representable(DType dt, float x) {
        return switch (dt) {
            case F32, F64 -> x;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(x));
            case BF16 -> Float.isNaN(x) ? x : f(Float.floatToRawIntBits(x) & 0xFFFF0000);
            default -> throw new IllegalArgumentException();
        };
    }

    @Test
    void f64DecodeRoundsToFloat() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(32);
            ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            seg.set(d, 0, 1e300);
            seg.set(d, 8, 1.0 + 0x1p-24); // tie between 1 and 1 + 2^-23: even (1.0)
            seg.set(d, 16, 1.0 + 0x3p-24); // tie: even (1 + 2^-22)
            seg.set(d, 24, -1e-300);
            float[] out = new float[4];
            FloatCodec.decode(DType.F64, seg, 0, out, 0, 4);
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 1.0f, 1.0f + 0x1p-22f, -0.0f}, out);
        }
    }

    @Test
    void vectorAndScalarPathsAgreeOnEdgeSizes() {
        int lanes = FloatCodec.lanes();
        int[] sizes = {0, 1, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes + 3, 1001};
        SplittableRandom rnd = new SplittableRandom(42);
        for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16, DType.F64}) {
            for (int n : sizes) {
                float[] in = new float[n + 5];
                for (int i = 0; i < in.length; i++) {
                    int kind = rnd.nextInt(10);
                    in[i] = switch (kind) {
                        case 0 -> f(rnd.nextInt()); // any bit pattern: NaNs, subnormals, infinities
                        case 1 -> Float.NaN;
                        case 2 -> -0.0f;
                        default -> (float) (rnd.nextGaussian() * 0.02);
                    };
                }
                try (Arena a = Arena.ofConfined()) {
                    long bytes = (long) dt.byteSize() * n + 1;
                    MemorySegment s1 = a.allocate(bytes);
                    MemorySegment s2 = a.allocate(bytes);
                    FloatCodec.encodeFast(dt, in, 3, s1, 1, n);
                    FloatCodec.encodeScalar(dt, in, 3, s2, 1, n);
                    assertEquals(-1, s1.mismatch(s2), dt + " encode n=" + n);
                    float[] o1 = new float[n + 2];
                    float[] o2 = new float[n + 2];
                    FloatCodec.decodeFast(dt, s1, 1, o1, 2, n);
                    FloatCodec.decodeScalar(dt, s1, 1, o2, 2, n);
                    for (int i = 0; i < o1.length; i++) {
                        assertEquals(Float.floatToRawIntBits(o2[i]), Float.floatToRawIntBits(o1[i]),
                                dt + " decode n=" + n + " i=" + i);
                    }
                }
            }
        }
    }

    @Test
    void boundsAndDtypesAreChecked() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(8);
            float[] buf = new float[8];
            assertThrows(IndexOutOfBoundsException.class, () -> FloatCodec.decode(DType.F32, seg, 0, buf, 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> FloatCodec.encode(DType.BF16, buf, 6, seg, 0, 3));
            assertThrows(IllegalArgumentException.class, () -> FloatCodec.decode(DType.I32, seg, 0, buf, 0, 1));
        }
    }
}
