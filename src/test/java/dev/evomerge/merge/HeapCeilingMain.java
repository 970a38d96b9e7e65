package dev.evomerge.merge;

import dev.evomerge.bench.MergeBenchmark;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link HeapCeilingTest} in a JVM with {@code -Xmx512m}: writes a base and two fine-tunes whose embedding is
 * one 1 GiB float32 tensor (131072 x 2048; 512 MiB in BF16), then merges them into native memory with each named
 * method, printing the peak heap. A method that decoded whole tensors would need 3 GiB of float arrays and fail with
 * OutOfMemoryError. Arguments: a working directory, then method names; each merges with {@code bench merge}'s recipe.
 */
public final class HeapCeilingMain {
    /** One tensor of 2^28 elements (1 GiB in float32); the layers are kept small so the embedding dominates. */
    static final SyntheticCheckpoints.Dims DIMS = new SyntheticCheckpoints.Dims(131072, 2048, 64, 1, 16, 4, true,
            false);

    private HeapCeilingMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Runtime.getRuntime().availableProcessors();
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, DType.BF16, 7);
        List<String> models = List.of("base", "ft1", "ft2");
        for (int i = 0; i < models.size(); i++) {
            Path m = dir.resolve(models.get(i));
            if (!Files.exists(m.resolve("config.json"))) {
                (i == 0 ? base : base.fineTune(i, 0.01)).write(m, Long.MAX_VALUE, threads);
            }
        }
        try (MergeEngine engine = new MergeEngine(threads)) {
            for (int a = 1; a < args.length; a++) {
                String method = args[a];
                LoadedRecipe loaded = LoadedRecipe.fromText(MergeBenchmark.recipe(method, models),
                        "heap-" + method + ".yaml");
                loaded = new LoadedRecipe(loaded.recipe(), loaded.sourceName(), dir);
                System.gc();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                long t0 = System.nanoTime();
                try (Sources sources = Sources.open(loaded);
                     InMemoryTensors out = engine.materialize(MergePlanner.plan(loaded, sources),
                             MergeEngine.Progress.NONE)) {
                    long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                            .filter(p -> p.getType() == MemoryType.HEAP)
                            .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                    System.out.printf("%s peak heap %d MB in %.1f s (max heap %d MB)%n", method, peak >> 20,
                            (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory() >> 20);
                }
            }
        }
    }
}
