package dev.evomerge.merge.methods;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A merge method declared as data, as mergekit declares one from a signature: its name, how it uses the base
 * model, and its parameters with defaults and ranges.
 *
 * @param name          mergekit's name, e.g. {@code dare_ties}
 * @param baseModelUse  how the base model enters; this fixes what goes in {@link TensorInput#base()}
 * @param globalParams  method-wide parameters ({@code parameters:} of a recipe), in mergekit's declaration order
 * @param modelParams   per-model "tensor parameters" ({@code weight}, {@code density}, ...), in mergekit's order
 * @param ignoredParams names the method does not take but that mergekit's own recipes give it and mergekit ignores
 *                      (e.g. {@code weight} under slerp): a recipe may carry them, with a warning
 */
public record MethodSpec(String name, BaseModelUse baseModelUse, List<Param> globalParams, List<Param> modelParams,
                         Set<String> ignoredParams) {
    public MethodSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseModelUse, "baseModelUse");
        globalParams = List.copyOf(globalParams);
        modelParams = List.copyOf(modelParams);
        ignoredParams = Set.copyOf(ignoredParams);
        Set<String> seen = new HashSet<>();
        for (Param p : globalParams) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException("Method " + name + " declares parameter " + p.name() + " twice");
            }
        }
        for (Param p : modelParams) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException("Method " + name + " declares parameter " + p.name() + " twice");
            }
        }
        for (String ignored : ignoredParams) {
            if (seen.contains(ignored)) {
                throw new IllegalArgumentException("Method " + name + " both takes and ignores " + ignored);
            }
        }
    }

    /** A method without ignored parameters. */
    public static MethodSpec of(String name, BaseModelUse use, List<Param> globalParams, List<Param> modelParams) {
        return new MethodSpec(name, use, globalParams, modelParams, Set.of());
    }

    /** This spec, also ignoring {@code names} (with a warning) where mergekit's recipes carry them. */
    public MethodSpec ignoring(String... names) {
        return new MethodSpec(name, baseModelUse, globalParams, modelParams, Set.of(names));
    }
}
