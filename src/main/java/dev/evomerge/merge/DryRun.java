package dev.evomerge.merge;

import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.io.Units;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dry run of a merge: what a merge would do, from its plan, without merging or writing: every output tensor
 * with its method, dtype, shape and inputs; the bytes read from the sources and written; an estimated time.
 */
public final class DryRun {
    /**
     * Source bytes per second per method, in memory, 2 threads, from {@code bench merge} (README, "Merge": BF16
     * Llama-shaped models in the page cache, 2-core machine); methods not measured take the whole-tensor path's
     * rate. Writing is at {@code cp}'s rate in the same run (1.07 GB in 0.51 s).
     */
    static final Map<String, Double> MEASURED_RATES = Map.ofEntries(Map.entry("linear", 11.28e9),
            Map.entry("task_arithmetic", 10.23e9), Map.entry("ties", 4.28e9), Map.entry("dare_ties", 3.12e9),
            Map.entry("dare_linear", 3.36e9), Map.entry("breadcrumbs", 2.88e9), Map.entry("breadcrumbs_ties", 2.88e9),
            Map.entry("della", 0.43e9), Map.entry("della_linear", 0.43e9), Map.entry("slerp", 0.83e9),
            Map.entry("nuslerp", 1.12e9), Map.entry("model_stock", 0.70e9));
    static final double WHOLE_TENSOR_RATE = 0.70e9;
    static final double WRITE_RATE = 2.1e9;

    private DryRun() {}

    /** Estimated seconds to merge and write {@code plan} on the benchmark machine. */
    public static double estimatedSeconds(MergePlan plan) {
        double s = 0;
        for (TensorTask t : plan.tasks()) {
            if (!t.isCopy()) {
                s += t.sourceBytes() / MEASURED_RATES.getOrDefault(t.method().name(), WHOLE_TENSOR_RATE);
            }
        }
        return s + plan.outputBytes() / WRITE_RATE;
    }

    /** The plan as text: a summary, then one line per output tensor; {@code outExists} is said when OUT exists. */
    public static String render(MergePlan plan, Path out, long maxShardBytes, String outExists) {
        StringBuilder b = new StringBuilder();
        Map<String, Integer> byMethod = new TreeMap<>();
        int width = 6;
        for (TensorTask t : plan.tasks()) {
            byMethod.merge(t.isCopy() ? "copy" : t.method().name(), 1, Integer::sum);
            width = Math.max(width, t.output().name().length());
        }
        Map<String, Long> dtypes = new LinkedHashMap<>();
        for (TensorInfo o : plan.outputs()) {
            dtypes.merge(o.dtype().torchName(), o.byteSize(), Long::sum);
        }
        b.append(String.format(Locale.ROOT, "dry run: %s (%s) -> %s: nothing is merged or written%n",
                plan.recipe().sourceName(), plan.recipe().recipe().mergeMethod(), out));
        if (Files.exists(out)) {
            b.append("  ").append(out).append(" exists: ").append(outExists).append('\n');
        }
        b.append(String.format(Locale.ROOT, "  %d tensors, %s layers: %s%n", plan.tasks().size(),
                plan.layersText(), byMethod.toString().replaceAll("[{}]", "")));
        b.append(String.format(Locale.ROOT, "  read %s from %d sources; write %s (%s) in shards of at most %s%n",
                Units.bytes(plan.sourceBytes()), plan.sources().all().size(), Units.bytes(plan.outputBytes()),
                dtypes.keySet().stream().reduce((x, y) -> x + ", " + y).orElse("-"), Units.bytes(maxShardBytes)));
        b.append(String.format(Locale.ROOT, "  estimated time %.1f s (bench merge's rates on 2 cores, see README; "
                + "./evomerge bench merge measures this machine)%n", estimatedSeconds(plan)));
        plan.warnings().forEach(w -> b.append("  warning: ").append(w).append('\n'));
        b.append(String.format(Locale.ROOT, "%-" + width + "s  %-16s  %-8s  %-14s  %s%n", "tensor", "method", "dtype",
                "shape", "inputs"));
        for (TensorTask t : plan.tasks()) {
            StringBuilder inputs = new StringBuilder();
            if (t.base() != null) {
                inputs.append("base ").append(t.base().label()).append(":").append(t.base().name());
            }
            for (TensorTask.Input in : t.models()) {
                if (!inputs.isEmpty()) {
                    inputs.append(", ");
                }
                inputs.append(in.label()).append(':').append(in.name());
            }
            b.append(String.format(Locale.ROOT, "%-" + width + "s  %-16s  %-8s  %-14s  %s%n", t.output().name(),
                    t.isCopy() ? "copy" : t.method().name(), t.output().dtype().torchName(),
                    t.output().shapeString(), inputs));
        }
        return b.toString();
    }

}
