package dev.evomerge.merge.methods;

import java.nio.charset.StandardCharsets;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Counter-based random bits for the random sparsifiers (DARE, DELLA): a pure function of (seed, tensor name,
 * model index, element index), so draws are the same whatever order or thread computes them.
 *
 * <p>The stream key: {@code h = FNV-1a-64(UTF-8 bytes of the tensor name)},
 * {@code key = mix64(mix64(mix64(seed + G) ^ h) + G * (modelIndex + 1))} with {@code G = 0x9E3779B97F4A7C15} and
 * {@code mix64} SplitMix64's finaliser; {@code k1} is its low 32 bits, {@code k2} its high 32 bits. For element
 * {@code i}: {@code h = fmix32((i * 0x9E3779B9) ^ k1); h = fmix32(h + k2)} (MurmurHash3's 32-bit finaliser, int
 * arithmetic mod 2^32), and the draw is {@code u = (h >>> 8) * 2^-24}, a uniform float in [0, 1) on a 2^-24 grid.
 * A Bernoulli(p) draw keeps the element iff {@code u < p}, as torch.bernoulli does with its uniform;
 * for a fixed float p this is the integer test {@code (h >>> 8) < ceil(p * 2^24)}.
 */
final class CounterRng {
    private static final long GOLDEN64 = 0x9E3779B97F4A7C15L;
    private static final int GOLDEN32 = 0x9E3779B9;

    private CounterRng() {
    }

    /** The 64-bit key of one model's stream for one tensor. */
    static long streamKey(long seed, String tensorName, int modelIndex) {
        long h = 0xcbf29ce484222325L;
        for (byte c : tensorName.getBytes(StandardCharsets.UTF_8)) {
            h ^= c & 0xff;
            h *= 0x100000001b3L;
        }
        return mix64(mix64(mix64(seed + GOLDEN64) ^ h) + GOLDEN64 * (modelIndex + 1L));
    }

    static int k1(long key) {
        return (int) key;
    }

    static int k2(long key) {
        return (int) (key >>> 32);
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** 24 uniform bits for element {@code i} of the stream (k1, k2). */
    static int bits24(int i, int k1, int k2) {
        int h = fmix32((i * GOLDEN32) ^ k1);
        return fmix32(h + k2) >>> 8;
    }

    /** The uniform float draw u in [0, 1) for element {@code i}. */
    static float uniform(int i, int k1, int k2) {
        return bits24(i, k1, k2) * 0x1p-24f;
    }

    /** Integer threshold t with {@code bits < t  <=>  bits * 2^-24 < p} for every 24-bit integer bits. */
    static int threshold(float p) {
        if (!(p > 0f)) {
            return 0;
        }
        if (p >= 1f) {
            return 1 << 24;
        }
        return (int) Math.ceil(p * 0x1p24);
    }

    /** Vector twin of {@link #bits24(int, int, int)} for a vector of element indices. */
    static IntVector bits24(IntVector i, int k1, int k2) {
        IntVector h = fmix32(i.mul(GOLDEN32).lanewise(VectorOperators.XOR, k1));
        return fmix32(h.add(k2)).lanewise(VectorOperators.LSHR, 8);
    }

    private static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static IntVector fmix32(IntVector h) {
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
        h = h.mul(0x85ebca6b);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13));
        h = h.mul(0xc2b2ae35);
        return h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
    }
}
