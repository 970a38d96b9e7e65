package dev.evomerge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.io.Trees;
import dev.evomerge.merge.MergeEngine;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.MergePlanner;
import dev.evomerge.merge.Sources;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The merge benchmark: synthetic Llama-shaped BF16 models (a base and fine-tunes) in the page cache, merged by each
 * method into memory (what the search does) and to disk (what {@code evomerge merge} does). Each speed is a ratio to a
 * baseline measured in the same process: a parallel memory copy of the same source bytes, and a plain file copy of
 * one checkpoint.
 *
 * <p>The memory copy is measured twice: warm (the sources' pages already mapped into this process) and cold (their
 * pages dropped from the resident set first, as the engine drops them after each tensor it has read, so every page
 * is mapped again by a page fault). A merge that drops pages pays the cold cost on its next pass; where page faults
 * are expensive (a virtual machine with shadow page tables) the two baselines differ several-fold.
 */
public final class MergeBenchmark {
    /** A Llama-shaped model at about 1.07 GB in BF16 with 9 layers (hidden 2048, as a 1B-class model). */
    public static SyntheticCheckpoints.Dims dims(int layers) {
        return new SyntheticCheckpoints.Dims(32000, 2048, 5632, layers, 16, 4, false, false);
    }

    public record Options(Path dir, int layers, int fineTunes, int threads, List<String> methods, int repeats) {
    }

    /**
     * One method's figures; speeds are GB/s of source bytes read; {@code torchSeconds} is the PyTorch baseline to
     * disk ({@link TorchBaseline}), NaN where absent.
     */
    public record Row(String method, int sources, long sourceBytes, double memorySeconds, double memoryRatio,
                      double memoryColdRatio, double diskSeconds, double diskVsCopy, long peakHeapBytes, long params,
                      double torchSeconds) {
        public double memoryGBs() {
            return sourceBytes / memorySeconds / 1e9;
        }

        /** Peak heap per merged parameter. */
        public double heapBytesPerParam() {
            return (double) peakHeapBytes / params;
        }
    }

    /** Copy speeds in GB/s: warm and cold (see the class comment), measured before and after the merges. */
    public record Copies(double warm, double cold, double warmAfter, double coldAfter) {
    }

    public record Report(String machine, long modelBytes, long largestTensorBytes, Copies copies,
                         double fileCopySeconds, List<Row> rows) {
    }

    private MergeBenchmark() {
    }

    public static Report run(Options o, Consumer<String> log) {
        SyntheticCheckpoints.Dims dims = dims(o.layers());
        List<String> models = new ArrayList<>();
        models.add("base");
        for (int i = 1; i <= o.fineTunes(); i++) {
            models.add("ft" + i);
        }
        ensureModels(o.dir(), dims, models, o.threads(), log);
        List<Checkpoint> opened = models.stream().map(m -> Checkpoint.open(o.dir().resolve(m))).toList();
        try (ForkJoinPool pool = new ForkJoinPool(Math.max(1, o.threads()))) {
            long modelBytes = opened.getFirst().names().stream().mapToLong(n -> opened.getFirst().info(n).byteSize()).sum();
            long largest = opened.getFirst().names().stream().mapToLong(n -> opened.getFirst().info(n).byteSize()).max().orElse(0);
            log.accept("warming the page cache and measuring a plain copy of the sources...");
            copyGBs(opened, pool, largest, false); // touches every page once
            double warm = bestCopyGBs(opened, pool, largest, false);
            double cold = bestCopyGBs(opened, pool, largest, true);
            log.accept(String.format("plain copy of the sources: %.2f GB/s warm, %.2f GB/s cold", warm, cold));
            double fileCopy = fileCopySeconds(o.dir(), models.getFirst());
            List<Row> rows = new ArrayList<>();
            java.util.Optional<TorchBaseline> torch = TorchBaseline.find(log);
            try (MergeEngine engine = new MergeEngine(o.threads())) {
                for (String method : o.methods()) {
                    rows.add(measure(o, method, models, engine, warm, cold, fileCopy, torch, log));
                }
            }
            copyGBs(opened, pool, largest, false);
            Copies copies = new Copies(warm, cold, bestCopyGBs(opened, pool, largest, false),
                    bestCopyGBs(opened, pool, largest, true));
            log.accept(String.format("plain copy after the merges: %.2f GB/s warm, %.2f GB/s cold", copies.warmAfter(),
                    copies.coldAfter()));
            return new Report(machine(), modelBytes, largest, copies, fileCopy, rows);
        } finally {
            opened.forEach(Checkpoint::close);
        }
    }

    private static Row measure(Options o, String method, List<String> models, MergeEngine engine, double copyGBs,
                               double coldCopyGBs, double fileCopySeconds, java.util.Optional<TorchBaseline> torch,
                               Consumer<String> log) {
        String yaml = recipe(method, models);
        LoadedRecipe loaded = LoadedRecipe.fromText(yaml, "bench-" + method + ".yaml");
        loaded = new LoadedRecipe(loaded.recipe(), loaded.sourceName(), o.dir());
        try (Sources sources = Sources.open(loaded)) {
            MergePlan plan = MergePlanner.plan(loaded, sources);
            int nSources = plan.sources().all().size();
            resetPeakHeap();
            // As in a search: each candidate is merged into the previous one's recycled memory. The first run
            // allocates (page faults), the others measure the steady state.
            double mem = Double.MAX_VALUE;
            InMemoryTensors candidate = engine.materialize(plan, MergeEngine.Progress.NONE);
            for (int r = 0; r < o.repeats(); r++) {
                InMemoryTensors next = candidate.recycle();
                long t0 = System.nanoTime();
                candidate = engine.materialize(plan, MergeEngine.Progress.NONE, next);
                mem = Math.min(mem, (System.nanoTime() - t0) / 1e9);
            }
            candidate.close();
            Path out = o.dir().resolve("out-" + method);
            Trees.delete(out);
            long t0 = System.nanoTime();
            engine.write(plan, out, 5_000_000_000L, true, MergeEngine.Progress.NONE);
            double disk = (System.nanoTime() - t0) / 1e9;
            Trees.delete(out);
            long peak = peakHeap();
            long params = plan.tasks().stream().mapToLong(t -> t.output().numel()).sum();
            double torchSeconds = method.equals("passthrough") ? Double.NaN : torch.map(t -> t.seconds(method,
                    o.dir(), models, o.threads(), o.dir().resolve("torch-" + method + ".safetensors")))
                    .orElse(Double.NaN);
            double memRatio = plan.sourceBytes() / mem / 1e9 / copyGBs;
            double coldRatio = plan.sourceBytes() / mem / 1e9 / coldCopyGBs;
            log.accept(String.format("%-16s %d sources  in memory %.2f s = %.2f GB/s (%.2f x copy, %.2f x cold copy)"
                            + "  to disk %.2f s (%.2f x cp)  peak heap %.0f MB  torch to disk %.2f s (%.1f x faster)",
                    method, nSources, mem, plan.sourceBytes() / mem / 1e9, memRatio, coldRatio, disk,
                    disk / fileCopySeconds, peak / 1e6, torchSeconds, torchSeconds / disk));
            return new Row(method, nSources, plan.sourceBytes(), mem, memRatio, coldRatio, disk, disk / fileCopySeconds,
                    peak, params, torchSeconds);
        }
    }

    /**
     * A typical recipe per method over the base (first) and fine-tunes (two models for the pairwise ones); the heap
     * ceiling test merges with the same recipes.
     */
    public static String recipe(String method, List<String> models) {
        List<String> tuned = models.subList(1, models.size());
        StringBuilder y = new StringBuilder("merge_method: " + method + "\n");
        switch (method) {
            case "passthrough" -> y.append("models:\n  - model: ").append(tuned.getFirst()).append("\n");
            case "linear" -> {
                y.append("models:\n");
                models.forEach(m -> y.append("  - model: ").append(m).append("\n    parameters: {weight: 1.0}\n"));
            }
            case "slerp" -> y.append("base_model: base\nparameters: {t: 0.4}\nmodels:\n  - model: base\n  - model: ")
                    .append(tuned.getFirst()).append("\n");
            case "nuslerp" -> y.append("base_model: base\nmodels:\n").append(tuned.subList(0, 2).stream()
                    .map(m -> "  - model: " + m + "\n    parameters: {weight: 0.5}\n").reduce("", String::concat));
            case "model_stock", "ram", "ramplus_tl" -> {
                y.append("base_model: base\nmodels:\n");
                tuned.forEach(m -> y.append("  - model: ").append(m).append("\n"));
            }
            case "sce" -> {
                y.append("base_model: base\nparameters: {select_topk: 0.5}\nmodels:\n");
                tuned.forEach(m -> y.append("  - model: ").append(m).append("\n"));
            }
            case "multislerp" -> {
                y.append("base_model: base\nmodels:\n");
                tuned.forEach(m -> y.append("  - model: ").append(m).append("\n    parameters: {weight: 1.0}\n"));
            }
            case "karcher" -> {
                y.append("models:\n");
                tuned.forEach(m -> y.append("  - model: ").append(m).append("\n"));
            }
            case "nearswap" -> y.append("base_model: base\nparameters: {t: 0.001}\nmodels:\n  - model: base\n"
                    + "  - model: ").append(tuned.getFirst()).append("\n");
            case "arcee_fusion" -> y.append("base_model: base\nmodels:\n  - model: base\n  - model: ")
                    .append(tuned.getFirst()).append("\n");
            default -> {
                String density = method.equals("task_arithmetic") ? "" : ", density: 0.5";
                y.append("base_model: base\nseed: 1\nmodels:\n");
                tuned.forEach(m -> y.append("  - model: ").append(m).append("\n    parameters: {weight: 0.4")
                        .append(density).append("}\n"));
            }
        }
        return y.toString();
    }

    private static double bestCopyGBs(List<Checkpoint> models, ForkJoinPool pool, long largest, boolean cold) {
        double best = 0;
        for (int r = 0; r < 3; r++) {
            best = Math.max(best, copyGBs(models, pool, largest, cold));
        }
        return best;
    }

    /**
     * Parallel copy of every source tensor into memory of the largest tensor's size: the speed limit of reading them.
     * {@code cold} drops the sources' pages from the resident set first (untimed), as the engine does after a tensor.
     */
    private static double copyGBs(List<Checkpoint> models, ForkJoinPool pool, long largest, boolean cold) {
        if (cold) {
            models.forEach(c -> c.names().forEach(c::releasePages));
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(largest, 64);
            long bytes = 0;
            long t0 = System.nanoTime();
            for (Checkpoint c : models) {
                for (String name : c.names()) {
                    MemorySegment src = c.bytes(name);
                    long n = src.byteSize();
                    long block = 4L << 20;
                    int blocks = (int) ((n + block - 1) / block);
                    pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(b -> {
                        long from = b * block;
                        MemorySegment.copy(src, from, dst, from, Math.min(block, n - from));
                    })).join();
                    bytes += n;
                }
            }
            return bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
    }

    /** Seconds to copy one checkpoint's weights to a new file and fsync it (what any writer pays at least). */
    private static double fileCopySeconds(Path dir, String model) {
        Path src = dir.resolve(model).resolve("model.safetensors");
        Path dst = dir.resolve("copy-baseline.safetensors");
        try {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 2; r++) {
                Files.deleteIfExists(dst);
                long t0 = System.nanoTime();
                try (FileChannel in = FileChannel.open(src);
                     FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long size = in.size();
                    for (long pos = 0; pos < size; ) {
                        pos += in.transferTo(pos, size - pos, out);
                    }
                    out.force(true);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            Files.deleteIfExists(dst);
            return best;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Generates the named models (base first, then fine-tunes of it) under {@code dir}, reusing those already there. */
    public static void ensureModels(Path dir, SyntheticCheckpoints.Dims dims, List<String> models, int threads,
                                     Consumer<String> log) {
        SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(dims, DType.BF16, 2024);
        for (int i = 0; i < models.size(); i++) {
            Path m = dir.resolve(models.get(i));
            if (Files.exists(m.resolve("config.json")) && sameDims(m, dims)) {
                continue;
            }
            Trees.delete(m);
            log.accept("generating " + m + " ...");
            SyntheticCheckpoints.Model model = i == 0 ? base : base.fineTune(i, 0.01);
            model.write(m, Long.MAX_VALUE, Math.max(1, threads));
        }
    }

    private static boolean sameDims(Path model, SyntheticCheckpoints.Dims dims) {
        try {
            JsonNode c = new ObjectMapper().readTree(model.resolve("config.json").toFile());
            return c.path("num_hidden_layers").asInt() == dims.layers() && c.path("hidden_size").asInt() == dims.hidden()
                    && c.path("vocab_size").asInt() == dims.vocab();
        } catch (IOException e) {
            return false;
        }
    }

    private static void resetPeakHeap() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** CPU model, cores, JDK and vector width, for benchmark headers. */
    public static String machine() {
        String cpu = "unknown CPU";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(cpu);
        } catch (IOException | UncheckedIOException ignored) {
            // not Linux: keep the placeholder
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version().feature()
                + ", " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors";
    }

    /** Markdown table for README. */
    public static String markdown(Report r) {
        StringBuilder md = new StringBuilder();
        Copies c = r.copies();
        md.append(String.format("Sources: BF16 Llama-shaped models of %.2f GB each (largest tensor %.0f MB), page cache."
                        + " Plain copy of the source bytes: %.1f GB/s warm, %.1f GB/s cold (after the merges: %.1f /"
                        + " %.1f); cp of one checkpoint with fsync: %.2f s.%n%n",
                r.modelBytes() / 1e9, r.largestTensorBytes() / 1e6, c.warm(), c.cold(), c.warmAfter(), c.coldAfter(),
                r.fileCopySeconds()));
        md.append("| method | sources | in memory GB/s | × copy | × cold copy | to disk s | × cp | torch to disk s"
                + " | × torch | peak heap MB | heap B/param |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : r.rows()) {
            // Below a millisecond nothing was merged: every tensor is a zero-copy view of a mapped source.
            String memory = row.memorySeconds() < 1e-3 ? "views, no copy | – | –"
                    : String.format("%.2f | %.2f | %.2f", row.memoryGBs(), row.memoryRatio(), row.memoryColdRatio());
            String torch = Double.isNaN(row.torchSeconds()) ? "– | –"
                    : String.format("%.2f | %.1f", row.torchSeconds(), row.torchSeconds() / row.diskSeconds());
            md.append(String.format("| %s | %d | %s | %.2f | %.2f | %s | %.0f | %.2f |%n", row.method(), row.sources(),
                    memory, row.diskSeconds(), row.diskVsCopy(), torch, row.peakHeapBytes() / 1e6,
                    row.heapBytesPerParam()));
        }
        return md.toString();
    }
}
