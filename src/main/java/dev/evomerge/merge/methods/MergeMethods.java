package dev.evomerge.merge.methods;

import dev.evomerge.UserError;
import dev.evomerge.merge.methods.TaskArithmeticMerge.Variant;
import java.util.ArrayList;
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
        List<MergeMethod> all = new ArrayList<>();
        all.add(new LinearMerge());
        for (Variant v : Variant.values()) {
            all.add(new TaskArithmeticMerge(v));
        }
        all.addAll(List.of(new SlerpMerge(), new NuSlerpMerge(), new ModelStockMerge(), new PassthroughMerge(),
                new NearSwapMerge(), new MultiSlerpMerge(), new KarcherMerge(),
                new SceMerge(), new RamMerge(RamMerge.Variant.RAM), new RamMerge(RamMerge.Variant.RAMPLUS_TL),
                new ArceeFusionMerge()));
        for (MergeMethod method : all) {
            if (m.put(method.name(), method) != null) {
                throw new IllegalStateException("Two merge methods are called " + method.name());
            }
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
