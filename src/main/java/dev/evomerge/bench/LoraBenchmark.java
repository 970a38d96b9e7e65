package dev.evomerge.bench;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.io.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Reading every tensor of a BF16 base folded with a LoRA adapter on all seven projections of every layer, against a
 * plain copy of the same tensors' bytes in the same process, and the heap the folded read takes per parameter
 * (docs/merging.md, LoRA). On a shared machine wall time measures the neighbours; GB per CPU-second measures the work.
 */
public final class LoraBenchmark {
    private static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");
    /** A PEFT adapter directory's files, as {@code Checkpoint.open(base, adapter)} reads them. */
    private static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
    private static final String ADAPTER_CONFIG = "adapter_config.json";

    /** The models (generated under {@code dir} once), the adapter's rank, and how many times both reads run. */
    public record Settings(Path dir, SyntheticCheckpoints.Dims dims, int rank, int repeats) {
        public Settings {
            if (rank < 1 || repeats < 1) {
                throw new IllegalArgumentException("rank and repeats must be at least 1, but were " + rank + " and "
                        + repeats);
            }
        }
    }

    /** One repeat: GB per wall second and per CPU second of the copy and of the folded read, and its heap peak. */
    public record Rep(double copyWall, double copyCpu, double foldedWall, double foldedCpu, long heapPeakBytes) {}

    public record Report(long params, long bytes, long adapted, int rank, List<Rep> reps) {
        public List<String> lines() {
            return reps.stream().map(r -> String.format(Locale.ROOT, "%d params (%.2f GB BF16, %.0f%% LoRA-adapted, "
                            + "r %d): copy %.2f GB/s wall, %.2f GB/cpu-s; folded read %.2f GB/s wall, %.2f GB/cpu-s "
                            + "(%.2fx copy per cpu-s); heap peak above the start %.1f MB = %.3f bytes/param", params,
                    bytes / 1e9, 100.0 * adapted / params, rank, r.copyWall(), r.copyCpu(), r.foldedWall(),
                    r.foldedCpu(), r.foldedCpu() / r.copyCpu(), r.heapPeakBytes() / 1e6,
                    r.heapPeakBytes() / (double) params)).toList();
        }
    }

    private LoraBenchmark() {
    }

    public static Report run(Settings s, Consumer<String> log) {
        Path base = s.dir().resolve("base-" + s.dims().layers() + "x" + s.dims().hidden());
        if (!Files.exists(base.resolve("config.json"))) {
            log.accept("generating " + base + " ...");
            SyntheticCheckpoints.Model.base(s.dims(), DType.BF16, 1).write(base, Long.MAX_VALUE, 2);
        }
        Path adapter = base.resolveSibling(base.getFileName() + "-adapter-r" + s.rank());
        long adapted = ensureAdapter(base, adapter, s.rank());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        try (Checkpoint plain = Checkpoint.open(base); Checkpoint folded = Checkpoint.open(base, adapter);
             Arena arena = Arena.ofConfined()) {
            long bytes = 0;
            long params = 0;
            long largest = 0;
            for (String n : plain.names()) {
                bytes += plain.info(n).byteSize();
                params += plain.info(n).numel();
                largest = Math.max(largest, plain.info(n).byteSize());
            }
            MemorySegment sink = arena.allocate(largest, 64);
            List<Rep> reps = new ArrayList<>();
            for (int rep = 0; rep < s.repeats(); rep++) {
                long c0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                readAll(plain, sink);
                long c1 = os.getProcessCpuTime();
                System.gc();
                long before = heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
                heap.forEach(MemoryPoolMXBean::resetPeakUsage);
                long t1 = System.nanoTime();
                readAll(folded, sink);
                long c2 = os.getProcessCpuTime();
                long t2 = System.nanoTime();
                long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() - before;
                reps.add(new Rep(bytes / (double) (t1 - t0), bytes / (double) (c1 - c0), bytes / (double) (t2 - t1),
                        bytes / (double) (c2 - c1), peak));
            }
            return new Report(params, bytes, adapted, s.rank(), reps);
        }
    }

    private static void readAll(Checkpoint c, MemorySegment sink) {
        for (String n : c.names()) {
            MemorySegment t = c.bytes(n);
            MemorySegment.copy(t, 0, sink, 0, t.byteSize());
            c.releasePages(n);
        }
    }

    /** Writes a random rank-{@code rank} adapter on every projection unless it exists; the parameters it adapts. */
    private static long ensureAdapter(Path base, Path adapter, int rank) {
        boolean write = !Files.exists(adapter.resolve(ADAPTER_WEIGHTS));
        long adapted = 0;
        try (Checkpoint b = Checkpoint.open(base); InMemoryTensors t = new InMemoryTensors()) {
            Random rnd = new Random(3);
            for (String n : b.names()) {
                if (!n.endsWith(".weight")) {
                    continue;
                }
                String module = n.substring(0, n.length() - ".weight".length());
                if (!TARGETS.contains(module.substring(module.lastIndexOf('.') + 1))) {
                    continue;
                }
                TensorInfo w = b.info(n);
                adapted += w.numel();
                if (write) {
                    t.putF32("base_model.model." + module + ".lora_A.weight", new long[] {rank, w.dim(1)},
                            gaussian(rnd, rank * (int) w.dim(1)));
                    t.putF32("base_model.model." + module + ".lora_B.weight", new long[] {w.dim(0), rank},
                            gaussian(rnd, rank * (int) w.dim(0)));
                }
            }
            if (write) {
                Path tmp = adapter.resolveSibling(adapter.getFileName() + ".tmp");
                Trees.delete(tmp);
                SyntheticCheckpoints.writeTensors(tmp, t, DType.F32, null);
                Files.createDirectories(adapter);
                Files.writeString(adapter.resolve(ADAPTER_CONFIG), "{\"peft_type\": \"LORA\", \"r\": " + rank
                        + ", \"lora_alpha\": " + 2 * rank + ", \"target_modules\": [\"" + String.join("\", \"", TARGETS)
                        + "\"]}");
                Files.move(tmp.resolve(Checkpoint.SINGLE_FILE), adapter.resolve(ADAPTER_WEIGHTS));
                Trees.delete(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return adapted;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextGaussian() * 0.01);
        }
        return f;
    }
}
