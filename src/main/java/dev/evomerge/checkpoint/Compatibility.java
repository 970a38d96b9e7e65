package dev.evomerge.checkpoint;

import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Preflight checks before a merge: every model must have the reference model's architecture, tensor names and
 * shapes. Dtypes may differ (everything is merged as float). Problems are one sentence each, naming the models by
 * the labels the caller gives (recipe paths, "base").
 */
public final class Compatibility {
    /** How many missing or extra tensor names a message lists before "...". */
    static final int LIST_LIMIT = 3;

    private Compatibility() {}

    /** Throws {@link UserError} with the first problem of {@link #problems}. */
    public static void check(Map<String, ? extends TensorSource> models) {
        List<String> p = problems(models);
        if (!p.isEmpty()) {
            throw new UserError(p.getFirst());
        }
    }

    /**
     * Compares every model with the first entry of {@code models} (iteration order; pass a LinkedHashMap with the
     * base first). Architectures are compared only between {@link Checkpoint}s that have a config.json.
     */
    public static List<String> problems(Map<String, ? extends TensorSource> models) {
        List<String> problems = new ArrayList<>();
        if (models.size() < 2) {
            return problems;
        }
        var it = models.entrySet().iterator();
        var first = it.next();
        String refLabel = first.getKey();
        TensorSource ref = first.getValue();
        while (it.hasNext()) {
            var e = it.next();
            compare(refLabel, ref, e.getKey(), e.getValue(), problems);
        }
        return problems;
    }

    private static void compare(String refLabel, TensorSource ref, String label, TensorSource m,
            List<String> problems) {
        if (ref instanceof Checkpoint rc && m instanceof Checkpoint mc && rc.hasConfig() && mc.hasConfig()) {
            String ra = rc.architecture();
            String ma = mc.architecture();
            if (!ra.equals(ma)) {
                problems.add(label + " is a " + ma + " but " + refLabel + " is a " + ra
                        + ": only models of one architecture can be merged");
            }
        }
        Set<String> refNames = new LinkedHashSet<>(ref.names());
        Set<String> names = new LinkedHashSet<>(m.names());
        List<String> missing = refNames.stream().filter(n -> !names.contains(n)).toList();
        List<String> extra = names.stream().filter(n -> !refNames.contains(n)).toList();
        if (!missing.isEmpty() || !extra.isEmpty()) {
            StringBuilder sb = new StringBuilder(label).append(" does not have the tensors of ").append(refLabel)
                    .append(':');
            if (!missing.isEmpty()) {
                sb.append(" it lacks ").append(listing(missing));
            }
            if (!extra.isEmpty()) {
                sb.append(missing.isEmpty() ? " it has " : " and has ").append(listing(extra)).append(" that ")
                        .append(refLabel).append(" lacks");
            }
            problems.add(sb.toString());
        }
        String vocab = null;
        String shape = null;
        int otherShapes = 0;
        for (String n : ref.names()) {
            if (!names.contains(n)) {
                continue;
            }
            TensorInfo a = ref.info(n);
            TensorInfo b = m.info(n);
            if (a.sameShape(b)) {
                continue;
            }
            if (vocab == null && isVocabularyMismatch(n, a, b)) {
                vocab = label + " has " + b.dim(0) + " rows in " + n + " but " + refLabel + " has " + a.dim(0)
                        + ": different tokenizers/vocabularies; merge models that share a tokenizer";
            } else if (!isVocabularyMismatch(n, a, b)) {
                if (shape == null) {
                    shape = n + " has shape " + b.shapeString() + " in " + label + " but " + a.shapeString()
                            + " in " + refLabel;
                } else {
                    otherShapes++;
                }
            }
        }
        if (vocab != null) {
            problems.add(vocab);
        }
        if (shape != null) {
            problems.add(shape + (otherShapes > 0 ? " (and " + otherShapes + " more tensors differ in shape)" : "")
                    + ": the models have different dimensions");
        }
    }

    private static boolean isVocabularyMismatch(String name, TensorInfo a, TensorInfo b) {
        TensorNames.Group g = TensorNames.classify(name).group();
        if ((g != TensorNames.Group.EMBEDDING && g != TensorNames.Group.HEAD) || a.rank() != b.rank() || a.rank() == 0) {
            return false;
        }
        for (int i = 1; i < a.rank(); i++) {
            if (a.dim(i) != b.dim(i)) {
                return false;
            }
        }
        return true;
    }

    private static String listing(List<String> names) {
        String shown = String.join(", ", names.subList(0, Math.min(LIST_LIMIT, names.size())));
        return names.size() + (names.size() == 1 ? " tensor (" : " tensors (") + shown
                + (names.size() > LIST_LIMIT ? ", ..." : "") + ")";
    }
}
