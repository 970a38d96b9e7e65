package dev.evomerge.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Throwaway throughput check (not a unit test): reading every tensor of a {@code bench merge}-sized BF16 model
 * (9 layers, ~1.07 GB) folded with a rank-16 LoRA adapter on all seven projections of every layer, against a plain
 * copy of the same tensors' bytes in the same process. Run with the test classpath:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:<deps>
 * dev.evomerge.checkpoint.LoraFoldBench [dir] [layers] [rank]}.
 */
final class LoraFoldBench {
    private static final String[] TARGETS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
        "down_proj"};

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/lora-bench");
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        int rank = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        SyntheticCheckpoints.Dims dims = new SyntheticCheckpoints.Dims(32000, 2048, 5632, layers, 16, 4, false, false);
        Path base = dir.resolve("base");
        if (!Files.exists(base.resolve("config.json"))) {
            SyntheticCheckpoints.Model.base(dims, DType.BF16, 1).write(base, Long.MAX_VALUE, 2);
        }
        Path adapter = dir.resolve("adapter-r" + rank);
        long adapted = 0;
        try (Checkpoint b = Checkpoint.open(base); InMemoryTensors t = new InMemoryTensors()) {
            Random rnd = new Random(3);
            for (String n : b.names()) {
                String module = n.substring(0, n.length() - ".weight".length());
                String leaf = module.substring(module.lastIndexOf('.') + 1);
                if (!n.endsWith(".weight") || !java.util.Arrays.asList(TARGETS).contains(leaf)) {
                    continue;
                }
                TensorInfo w = b.info(n);
                adapted += w.numel();
                t.putF32("base_model.model." + module + ".lora_A.weight", new long[] {rank, w.dim(1)},
                        gaussian(rnd, rank * (int) w.dim(1)));
                t.putF32("base_model.model." + module + ".lora_B.weight", new long[] {w.dim(0), rank},
                        gaussian(rnd, rank * (int) w.dim(0)));
            }
            if (!Files.exists(adapter.resolve(LoraFold.WEIGHTS))) {
                Path tmp = dir.resolve("adapter-tmp");
                SyntheticCheckpoints.writeTensors(tmp, t, DType.F32, null);
                Files.createDirectories(adapter);
                Files.move(tmp.resolve(Checkpoint.SINGLE_FILE), adapter.resolve(LoraFold.WEIGHTS));
                Files.writeString(adapter.resolve(LoraFold.CONFIG), "{\"peft_type\": \"LORA\", \"r\": " + rank
                        + ", \"lora_alpha\": " + 2 * rank + ", \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\","
                        + " \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"]}");
            }
        }
        try (Checkpoint plain = Checkpoint.open(base); Checkpoint folded = Checkpoint.open(base, adapter)) {
            long bytes = 0;
            long params = 0;
            long largest = 0;
            for (String n : plain.names()) {
                bytes += plain.info(n).byteSize();
                params += plain.info(n).numel();
                largest = Math.max(largest, plain.info(n).byteSize());
            }
            MemorySegment sink = java.lang.foreign.Arena.ofAuto().allocate(largest, 64);
            var os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            for (int rep = 0; rep < 3; rep++) {
                long c0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                for (String n : plain.names()) {
                    MemorySegment s = plain.bytes(n);
                    MemorySegment.copy(s, 0, sink, 0, s.byteSize());
                    plain.releasePages(n);
                }
                long c1 = os.getProcessCpuTime();
                System.gc();
                var pools = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP).toList();
                long before = pools.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
                pools.forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
                long t1 = System.nanoTime();
                for (String n : folded.names()) {
                    MemorySegment s = folded.bytes(n);
                    MemorySegment.copy(s, 0, sink, 0, s.byteSize());
                    folded.releasePages(n);
                }
                long c2 = os.getProcessCpuTime();
                long t2 = System.nanoTime();
                long peak = pools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() - before;
                // On a shared machine wall time measures the neighbours; GB per CPU-second measures the work.
                System.out.printf("%d params (%.2f GB BF16, %.0f%% LoRA-adapted, r %d): copy %.2f GB/s wall, %.2f GB/cpu-s;"
                        + " folded read %.2f GB/s wall, %.2f GB/cpu-s (%.2fx copy per cpu-s); heap peak above the"
                        + " start %.1f MB = %.3f bytes/param%n", params, bytes / 1e9,
                        100.0 * adapted / params, rank, bytes / (double) (t1 - t0), bytes / (double) (c1 - c0),
                        bytes / (double) (t2 - t1), bytes / (double) (c2 - c1), (c1 - c0) / (double) (c2 - c1),
                        peak / 1e6, peak / (double) params);
            }
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextGaussian() * 0.01);
        }
        return f;
    }
}
