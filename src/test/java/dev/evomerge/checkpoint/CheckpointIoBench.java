package dev.evomerge.checkpoint;

import dev.evomerge.io.Trees;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Throwaway throughput check (not a unit test): decode and write GB/s on a 256 MB tensor against a plain
 * {@link MemorySegment#copy} of the same bytes in the same process. Run with the test classpath:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:<deps>
 * dev.evomerge.checkpoint.CheckpointIoBench [dir]}.
 */
final class CheckpointIoBench {
    private static final long BYTES = 256L << 20;
    private static final int CHUNK = 1 << 16;

    interface Body {
        void run() throws Exception;
    }

    /** Best of {@code reps} runs, in GB/s of {@code bytes}. */
    static double gbps(long bytes, int reps, Body body) throws Exception {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return bytes / (double) best;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(BYTES, 64);
            MemorySegment dst = arena.allocate(BYTES, 64);
            float[] seed = new float[CHUNK];
            for (int i = 0; i < CHUNK; i++) {
                seed[i] = (float) Math.sin(i) * 0.02f;
            }
            for (long off = 0; off < BYTES; off += 4L * CHUNK) {
                FloatCodec.encode(DType.F32, seed, 0, src, off, CHUNK);
            }
            float[] buf = new float[CHUNK];
            double copy = gbps(BYTES, 5, () -> MemorySegment.copy(src, 0, dst, 0, BYTES));
            System.out.printf("memcpy (MemorySegment.copy)        %6.2f GB/s%n", copy);
            for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                int es = dt.byteSize();
                double fast = gbps(BYTES, 5, () -> {
                    for (long off = 0; off < BYTES; off += (long) es * CHUNK) {
                        FloatCodec.decodeFast(dt, src, off, buf, 0, CHUNK);
                    }
                });
                double scalar = gbps(BYTES, 5, () -> {
                    for (long off = 0; off < BYTES; off += (long) es * CHUNK) {
                        FloatCodec.decodeScalar(dt, src, off, buf, 0, CHUNK);
                    }
                });
                double efast = gbps(BYTES, 5, () -> {
                    for (long off = 0; off < BYTES; off += (long) es * CHUNK) {
                        FloatCodec.encodeFast(dt, buf, 0, dst, off, CHUNK);
                    }
                });
                double escalar = gbps(BYTES, 5, () -> {
                    for (long off = 0; off < BYTES; off += (long) es * CHUNK) {
                        FloatCodec.encodeScalar(dt, buf, 0, dst, off, CHUNK);
                    }
                });
                System.out.printf("%-5s decode fast %6.2f scalar %6.2f | encode fast %6.2f scalar %6.2f GB/s of %s bytes"
                        + " (fast decode = %.2f x memcpy)%n", dt, fast, scalar, efast, escalar, dt, fast / copy);
            }

            // Writer: the same 256 MB written into a fresh checkpoint (mapping), commit (fsync) timed apart.
            for (int rep = 0; rep < 3; rep++) {
                Path out = dir.resolve("bench-ckpt-" + rep);
                long n = BYTES / 4;
                List<TensorInfo> plan = List.of(new TensorInfo("w", DType.F32, new long[] {n}));
                long t0 = System.nanoTime();
                long t1;
                try (CheckpointWriter w = CheckpointWriter.create(out, plan, Long.MAX_VALUE, false)) {
                    for (long off = 0; off < BYTES; off += 4L * CHUNK) {
                        w.writeBytes("w", off, src.asSlice(off, 4L * CHUNK));
                    }
                    t1 = System.nanoTime();
                    w.commit();
                }
                long t2 = System.nanoTime();
                System.out.printf("writer writeBytes F32 (pwrite)     %6.2f GB/s (%.2f x memcpy); commit+fsync %d ms%n",
                        BYTES / (double) (t1 - t0), BYTES / (double) (t1 - t0) / copy, (t2 - t1) / 1_000_000);
                Trees.delete(out);
            }
            for (int rep = 0; rep < 3; rep++) {
                Path out = dir.resolve("bench-ckpt-bf16-" + rep);
                long n = BYTES / 2;
                List<TensorInfo> plan = List.of(new TensorInfo("w", DType.BF16, new long[] {n}));
                long t0 = System.nanoTime();
                try (CheckpointWriter w = CheckpointWriter.create(out, plan, Long.MAX_VALUE, false)) {
                    for (long e = 0; e < n; e += CHUNK) {
                        w.writeFloats("w", e, seed, 0, CHUNK);
                    }
                    long t1 = System.nanoTime();
                    System.out.printf("writer writeFloats BF16 (pwrite)   %6.2f GB/s of BF16 bytes (%.2f x memcpy)%n",
                            BYTES / (double) (t1 - t0), BYTES / (double) (t1 - t0) / copy);
                }
            }
            // Alternative mechanism: positional FileChannel writes of the same bytes into a fresh file.
            for (int rep = 0; rep < 3; rep++) {
                Path f = dir.resolve("bench-fc-" + rep);
                long t0 = System.nanoTime();
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    for (long off = 0; off < BYTES; off += 4L * CHUNK) {
                        var bb = src.asSlice(off, 4L * CHUNK).asByteBuffer();
                        long pos = off;
                        while (bb.hasRemaining()) {
                            pos += ch.write(bb, pos);
                        }
                    }
                }
                long t1 = System.nanoTime();
                System.out.printf("FileChannel positional write       %6.2f GB/s (%.2f x memcpy)%n",
                        BYTES / (double) (t1 - t0), BYTES / (double) (t1 - t0) / copy);
                Files.delete(f);
            }
        }
        // A >= 1 GB synthetic checkpoint, streamed.
        SyntheticCheckpoints.Dims d = new SyntheticCheckpoints.Dims(32000, 2048, 5632, 10, 16, 4, false, false);
        Path out = dir.resolve("bench-synth");
        long t0 = System.nanoTime();
        SyntheticCheckpoints.Model.base(d, DType.BF16, 1).write(out, 5L << 30, Runtime.getRuntime().availableProcessors());
        long t1 = System.nanoTime();
        long size;
        try (var s = Files.list(out)) {
            size = s.mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).sum();
        }
        System.out.printf("synthetic BF16 checkpoint %.2f GB in %.2f s (%d threads)%n", size / 1e9, (t1 - t0) / 1e9,
                Runtime.getRuntime().availableProcessors());
        try (Checkpoint c = Checkpoint.open(out)) {
            long h0 = System.nanoTime();
            c.contentHash();
            System.out.printf("contentHash %.2f GB/s%n", size / (double) (System.nanoTime() - h0));
        }
        Trees.delete(out);
    }
}
