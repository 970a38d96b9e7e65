package dev.evomerge.merge.methods;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A method's parameters for one tensor, checked against its declarations and completed with defaults. */
final class Params {
    private final String method;
    private final String tensor;
    private final Map<String, Double> global;
    private final Map<String, Double>[] perModel;

    private Params(String method, String tensor, Map<String, Double> global, Map<String, Double>[] perModel) {
        this.method = method;
        this.tensor = tensor;
        this.global = global;
        this.perModel = perModel;
    }

    /** Checks names and values and fills defaults; every problem is a UserError naming tensor and parameter. */
    @SuppressWarnings("unchecked")
    static Params resolve(MergeMethod m, TensorInput in) {
        return resolve(m, in.tensorName(), in.modelParams(), in.globalParams());
    }

    /** {@link #resolve(MergeMethod, TensorInput)} from the parameters alone. */
    @SuppressWarnings("unchecked")
    static Params resolve(MergeMethod m, String tensor, List<Map<String, Double>> modelParams,
            Map<String, Double> globalParams) {
        Map<String, Double> g = complete(m.name(), tensor, "method parameter", m.globalParams(), globalParams, -1);
        Map<String, Double>[] pm = new Map[modelParams.size()];
        for (int j = 0; j < pm.length; j++) {
            pm[j] = complete(m.name(), tensor, "parameter of model " + j, m.modelParams(), modelParams.get(j), j);
        }
        return new Params(m.name(), tensor, g, pm);
    }

    /** The checks of {@link #resolve} plus value ranges, without tensor data (see {@link MergeMethod#validate}). */
    static void check(MergeMethod m, String tensor, List<Map<String, Double>> modelParams,
            Map<String, Double> globalParams) {
        checkRanges(m.name(), tensor, "method parameter", m.globalParams(),
                complete(m.name(), tensor, "method parameter", m.globalParams(), globalParams, -1));
        for (int j = 0; j < modelParams.size(); j++) {
            checkRanges(m.name(), tensor, "parameter of model " + j, m.modelParams(),
                    complete(m.name(), tensor, "parameter of model " + j, m.modelParams(), modelParams.get(j), j));
        }
    }

    /** Each value against its declaration's {@link Range}. */
    private static void checkRanges(String method, String tensor, String what, List<Param> decls,
            Map<String, Double> values) {
        for (Param p : decls) {
            double v = values.get(p.name());
            if (!p.range().contains(v)) {
                throw new UserError(what + " '" + p.name() + "' of merge method " + method + " on tensor '"
                        + tensor + "' must be in " + p.range() + ", but was " + v);
            }
        }
    }

    private static Map<String, Double> complete(String method, String tensor, String what, List<Param> decls,
            Map<String, Double> given, int model) {
        Map<String, Param> byName = decls.stream().collect(Collectors.toMap(Param::name, p -> p));
        for (var e : given.entrySet()) {
            if (!byName.containsKey(e.getKey())) {
                String allowed = decls.isEmpty() ? "none"
                        : decls.stream().map(Param::name).collect(Collectors.joining(", "));
                throw new UserError("unknown " + what + " '" + e.getKey() + "' for merge method " + method
                        + " on tensor '" + tensor + "'; allowed: " + allowed);
            }
            Double v = e.getValue();
            if (v == null || !Double.isFinite(v)) {
                throw new UserError(what + " '" + e.getKey() + "' of merge method " + method + " on tensor '"
                        + tensor + "' must be a finite number, but was " + v);
            }
        }
        Map<String, Double> out = new HashMap<>();
        for (Param p : decls) {
            Double v = given.get(p.name());
            if (v == null) {
                if (p.required()) {
                    throw new UserError("merge method " + method + " needs " + what + " '" + p.name()
                            + "' for tensor '" + tensor + "', but none was given");
                }
                v = p.defaultValue();
            }
            out.put(p.name(), v);
        }
        return out;
    }

    double global(String name) {
        return get(global, name);
    }

    boolean flag(String name) {
        return get(global, name) != 0.0;
    }

    double model(int j, String name) {
        return get(perModel[j], name);
    }

    double[] perModel(String name) {
        double[] v = new double[perModel.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = model(j, name);
        }
        return v;
    }

    private double get(Map<String, Double> m, String name) {
        Double v = m.get(name);
        if (v == null) {
            throw new IllegalStateException("Method " + method + " reads undeclared parameter " + name);
        }
        return v;
    }

    /** A UserError naming method, tensor and what is wrong. */
    UserError error(String problem) {
        return new UserError("merge method " + method + " on tensor '" + tensor + "': " + problem);
    }

    static String weights(double[] w) {
        return Arrays.toString(w);
    }
}
