package dev.evomerge.merge.methods;

/**
 * The float32 inputs of one tensor as the methods' passes see them: one {@link Chunk} at a time. Over whole arrays
 * a chunk is a window into them (no copy); over a {@link ChunkReader} it is decoded into per-thread buffers. Every
 * pass is written once against this view, so the array path and the engine's streaming path run the same float
 * operations in the same order.
 */
abstract class Inputs {
    private final int n;
    private final int models;
    private final boolean hasBase;

    private Inputs(int n, int models, boolean hasBase) {
        this.n = n;
        this.models = models;
        this.hasBase = hasBase;
    }

    /** Whole arrays (the base may be null). */
    static Inputs of(float[] base, float[][] xs, int n) {
        return new Arrays(base, xs, n);
    }

    /** Decoded on demand from {@code reader}. */
    static Inputs of(ChunkReader reader, int n, int models, boolean hasBase) {
        return new Decoded(reader, n, models, hasBase);
    }

    final int n() {
        return n;
    }

    final int models() {
        return models;
    }

    final boolean hasBase() {
        return hasBase;
    }

    /** Element i of model j, or of the base for {@code j == ChunkReader.BASE}. */
    abstract float get(int j, int i);

    /** The calling thread's chunk view (reused across calls on the same thread). */
    abstract Chunk chunk();

    /**
     * Elements {@code [index, index + len)} of the inputs: the base at {@code base[off..]} (null without a base) and
     * model j at {@code xs[j][off..]}.
     */
    abstract static class Chunk {
        float[] base;
        float[][] xs;
        int off;
        int index;
        int len;

        /** Makes elements {@code [index, index + len)} of the base and every model available, len <= CHUNK. */
        abstract void load(int index, int len);

        /** As {@link #load} for the base and model j only (the other models' views are stale). */
        abstract void load(int index, int len, int j);
    }

    private static final class Arrays extends Inputs {
        private final float[] base;
        private final float[][] xs;

        Arrays(float[] base, float[][] xs, int n) {
            super(n, xs.length, base != null);
            this.base = base;
            this.xs = xs;
        }

        @Override
        float get(int j, int i) {
            return j == ChunkReader.BASE ? base[i] : xs[j][i];
        }

        @Override
        Chunk chunk() {
            Chunk c = new Chunk() {
                @Override
                void load(int index, int len) {
                    this.index = index;
                    this.len = len;
                    this.off = index;
                }

                @Override
                void load(int index, int len, int j) {
                    load(index, len);
                }
            };
            c.base = base;
            c.xs = xs;
            return c;
        }
    }

    private static final class Decoded extends Inputs {
        private final ChunkReader reader;
        private final ThreadLocal<Chunk> chunks;

        Decoded(ChunkReader reader, int n, int models, boolean hasBase) {
            super(n, models, hasBase);
            this.reader = reader;
            this.chunks = ThreadLocal.withInitial(this::newChunk);
        }

        @Override
        float get(int j, int i) {
            return reader.get(j, i);
        }

        @Override
        Chunk chunk() {
            return chunks.get();
        }

        private Chunk newChunk() {
            Chunk c = new Chunk() {
                @Override
                void load(int index, int len) {
                    this.index = index;
                    this.len = len;
                    if (base != null) {
                        reader.read(ChunkReader.BASE, index, len, base);
                    }
                    for (int j = 0; j < xs.length; j++) {
                        reader.read(j, index, len, xs[j]);
                    }
                }

                @Override
                void load(int index, int len, int j) {
                    this.index = index;
                    this.len = len;
                    if (base != null) {
                        reader.read(ChunkReader.BASE, index, len, base);
                    }
                    reader.read(j, index, len, xs[j]);
                }
            };
            c.base = hasBase() ? new float[Blocks.CHUNK] : null;
            c.xs = new float[models()][Blocks.CHUNK];
            c.off = 0;
            return c;
        }
    }
}
