package dev.evomerge.merge.methods;

import dev.evomerge.UserError;
import dev.evomerge.merge.methods.TaskArithmeticMerge.Sparsification;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of merge methods, by mergekit name, with mergekit's parameter defaults (from
 * {@code merge_methods/registry.py}). Immutable.
 */
public final class MergeMethods {
    private static final Map<String, MergeMethod> METHODS = build();

    private MergeMethods() {
    }

    private static Map<String, MergeMethod> build() {
        Map<String, MergeMethod> m = new LinkedHashMap<>();
        for (MergeMethod method : List.of(
                new LinearMerge(),
                new TaskArithmeticMerge("task_arithmetic", false, Sparsification.NONE, false, false),
                new TaskArithmeticMerge("ties", true, Sparsification.MAGNITUDE, true, false),
                new TaskArithmeticMerge("dare_ties", true, Sparsification.RANDOM, false, true),
                new TaskArithmeticMerge("dare_linear", false, Sparsification.RANDOM, false, true),
                new TaskArithmeticMerge("breadcrumbs", false, Sparsification.MAGNITUDE_OUTLIERS, false, false),
                new TaskArithmeticMerge("breadcrumbs_ties", true, Sparsification.MAGNITUDE_OUTLIERS, false, false),
                new TaskArithmeticMerge("della", true, Sparsification.DELLA, true, true),
                new TaskArithmeticMerge("della_linear", false, Sparsification.DELLA, false, true),
                new SlerpMerge(),
                new NuSlerpMerge(),
                new ModelStockMerge(),
                new PassthroughMerge())) {
            m.put(method.name(), method);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The method called {@code name}; an unknown name is a UserError listing the known ones. */
    public static MergeMethod get(String name) {
        MergeMethod m = METHODS.get(name);
        if (m == null) {
            throw new UserError("unknown merge_method '" + name + "'; known methods: " + String.join(", ", names()));
        }
        return m;
    }

    /** All method names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(METHODS.keySet());
    }
}
