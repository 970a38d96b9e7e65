package dev.evomerge.search.space;

import dev.evomerge.UserError;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a search maximizes: the weighted mean of per-task search-slice scores, {@code sum w_t s_t / sum w_t}, or the
 * worst task's score, {@code min_t s_t} (the scalar that per-task release gates care about: a gain on one task never
 * pays for a loss on another); and, for multi-objective strategies ({@code pareto}), the per-task scores themselves
 * as a vector in task order.
 *
 * <p>With {@code normalize: retention} each task's score {@code s_t} is first replaced by the fraction of the gap it
 * closes between the base and the task's reference model, {@code (s_t - b_t) / (r_t - b_t)} (see {@link Retention}),
 * so tasks of different metrics, directions and difficulty weigh alike: 0 is the base, 1 the reference. Every
 * per-task map is nondecreasing, so both scalars stay nondecreasing in every score, which staged evaluation's exact
 * bound needs.
 *
 * @param weights    task weights in task order, all positive (the worst-task aggregate ignores them)
 * @param pareto     whether the space asks for a Pareto front across the tasks (nsga2)
 * @param aggregate  how per-task scores become one fitness
 * @param normalize  how raw scores become per-task objective values ({@link Normalize#AUTO} until the run resolves it)
 * @param references task to the source model that is its reference (tasks absent: the best source on that task)
 * @param retention  the run's normalization constants, or null (raw scores, or not resolved yet)
 */
public record Objective(Map<String, Double> weights, boolean pareto, Aggregate aggregate, Normalize normalize,
                        Map<String, String> references, Retention retention) {
    /** How per-task scores become one number. */
    public enum Aggregate {
        MEAN, MIN;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** How a raw task score becomes the objective's per-task value. */
    public enum Normalize {
        /** Retention when the tasks differ in metric or direction, else raw (the search-space default). */
        AUTO,
        /** The raw primary metric (negated when lower is better). */
        NONE,
        /** The fraction of the base-to-reference gap closed. */
        RETENTION;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A raw objective (no normalization), weighted mean or worst task. */
    public Objective(Map<String, Double> weights, boolean pareto, Aggregate aggregate) {
        this(weights, pareto, aggregate, Normalize.NONE, Map.of(), null);
    }

    public Objective(Map<String, Double> weights, boolean pareto) {
        this(weights, pareto, Aggregate.MEAN);
    }

    public Objective {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(aggregate, "aggregate");
        Objects.requireNonNull(normalize, "normalize");
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("an objective needs at least one task");
        }
        weights.forEach((task, w) -> {
            if (!(w > 0 && Double.isFinite(w))) {
                throw new IllegalArgumentException("weight of task " + task + " must be a positive number, but was " + w);
            }
        });
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        references = Collections.unmodifiableMap(new LinkedHashMap<>(references == null ? Map.of() : references));
        for (String t : references.keySet()) {
            if (!weights.containsKey(t)) {
                throw new IllegalArgumentException("reference for task " + t + ", which is not an objective task "
                        + weights.keySet());
            }
        }
        if (retention != null) {
            if (normalize == Normalize.NONE) {
                throw new IllegalArgumentException("a raw objective has no retention constants");
            }
            if (!retention.tasks().keySet().containsAll(weights.keySet())) {
                throw new IllegalArgumentException("retention constants for " + retention.tasks().keySet()
                        + " do not cover the objective's tasks " + weights.keySet());
            }
        }
    }

    /** The task names, in order: the order of fitness vectors. */
    public List<String> tasks() {
        return List.copyOf(weights.keySet());
    }

    /** Whether the objective can score: raw, or normalized with its constants resolved. */
    public boolean resolved() {
        return normalize == Normalize.NONE || retention != null;
    }

    /** The same objective on raw scores (what scoring the sources, before any constants exist, uses). */
    public Objective raw() {
        return new Objective(weights, pareto, aggregate, Normalize.NONE, references, null);
    }

    /** The same objective normalized with {@code constants}; null: raw scores. */
    public Objective withRetention(Retention constants) {
        return constants == null ? raw()
                : new Objective(weights, pareto, aggregate, Normalize.RETENTION, references, constants);
    }

    /**
     * Whether this objective normalizes on a suite whose tasks have {@code metrics} (task to primary metric name) and
     * {@code higherIsBetter}: always for {@code retention}, never for {@code none}, and by default when the objective's
     * tasks differ in metric or direction (a perplexity beside an accuracy, or exact match beside accuracy).
     */
    public boolean normalizes(Map<String, String> metrics, Map<String, Boolean> higherIsBetter) {
        return switch (normalize) {
            case NONE -> false;
            case RETENTION -> true;
            case AUTO -> weights.keySet().stream().map(metrics::get).distinct().count() > 1
                    || weights.keySet().stream().map(higherIsBetter::get).distinct().count() > 1;
        };
    }

    /** The objective's value of each task: the raw score, or its retention. */
    public Map<String, Double> values(Map<String, Double> scores) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String t : weights.keySet()) {
            Double s = scores.get(t);
            if (s == null) {
                throw new IllegalArgumentException("no score for objective task " + t + " (scores: "
                        + scores.keySet() + ")");
            }
            out.put(t, retention == null ? s : retention.of(t, s));
        }
        return out;
    }

    /** The fitness of {@code scores}, which must contain every task: weighted mean or worst task (of the values). */
    public double scalar(Map<String, Double> scores) {
        if (!resolved()) {
            throw new IllegalStateException("the objective normalizes by retention but its constants were never"
                    + " resolved from the source scores");
        }
        double sum = 0;
        double norm = 0;
        double min = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Double> e : values(scores).entrySet()) {
            double w = weights.get(e.getKey());
            sum += w * e.getValue();
            norm += w;
            min = Math.min(min, e.getValue());
        }
        return aggregate == Aggregate.MIN ? min : sum / norm;
    }

    /** Per-task values in task order. */
    public double[] vector(Map<String, Double> scores) {
        return values(scores).values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * The retention constants of this objective from the sources' scores (raw, higher is better; perplexities
     * negated, as {@code Staging.scores} gives them): the base model is {@code sourceScores.get(baseName)}, each
     * task's reference its named source or else the best other source on that task (the first on ties).
     *
     * @param logScale the tasks whose raw score is a negated perplexity (compared on a log scale)
     */
    public Retention retention(Map<String, Map<String, Double>> sourceScores, String baseName,
                               java.util.Set<String> logScale) {
        Map<String, Double> base = sourceScores.get(baseName);
        if (base == null) {
            throw new UserError("normalize: retention measures each task from the base model, but the search space"
                    + " has no base");
        }
        Map<String, Retention.Task> tasks = new LinkedHashMap<>();
        for (String t : weights.keySet()) {
            boolean log = logScale.contains(t);
            String ref = references.get(t);
            if (ref == null) {
                double best = Double.NEGATIVE_INFINITY;
                for (var e : sourceScores.entrySet()) {
                    Double s = e.getValue().get(t);
                    if (!e.getKey().equals(baseName) && s != null && (ref == null || s > best)) {
                        ref = e.getKey();
                        best = s;
                    }
                }
                if (ref == null) {
                    throw new UserError("normalize: retention needs a source besides the base to measure task " + t
                            + " against");
                }
            } else if (!sourceScores.containsKey(ref)) {
                throw new UserError("objective reference of task " + t + " is '" + ref + "', which is not a source"
                        + " of the search space (sources: " + sourceScores.keySet() + ")");
            }
            tasks.put(t, new Retention.Task(ref, Retention.scale(base.get(t), log),
                    Retention.scale(sourceScores.get(ref).get(t), log), log));
        }
        return new Retention(tasks);
    }

    /**
     * Per-task normalization constants: the base's and the reference's score on the objective's scale (raw, or
     * {@code -ln(perplexity)} for perplexity tasks, since a perplexity halving is as much progress at 40 as at 4).
     * A candidate scoring {@code v} on that scale keeps {@code (v - b) / (r - b)} of the reference's gain over the
     * base: 0 is the base, 1 the reference, above 1 better than the reference.
     *
     * <p><b>No gap.</b> When the reference is no better than the base ({@code r - b <=} {@value #MIN_GAP}, e.g. a task
     * neither model can do, or base = reference), there is no gain to keep: the value is {@code 1 + (v - max(b, r))},
     * 1 for matching the better of the two and falling by the raw difference below it (a proportion point of exact
     * match or accuracy counts as a whole gap). It stays continuous and increasing, so the task still pulls a search
     * away from losing what the base could do, and never divides by a vanishing gap.
     *
     * @param tasks per objective task, in task order
     */
    public record Retention(Map<String, Task> tasks) implements Serializable {
        /** Gaps at or below this count as none: a proportion gap is at least 1/n, a log-perplexity one far above. */
        public static final double MIN_GAP = 1e-9;

        /**
         * @param reference the reference source's name
         * @param base      the base's score on the objective's scale
         * @param top       the reference's score on the objective's scale
         * @param log       whether raw scores are negated perplexities, compared as {@code -ln(perplexity)}
         */
        public record Task(String reference, double base, double top, boolean log) implements Serializable {
            public Task {
                Objects.requireNonNull(reference, "reference");
                if (!Double.isFinite(base) || !Double.isFinite(top)) {
                    throw new UserError("normalize: retention needs finite base and reference scores, but task's"
                            + " reference " + reference + " has " + top + " and the base " + base);
                }
            }
        }

        public Retention {
            tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
        }

        /** A raw score on the objective's scale: itself, or {@code -ln(perplexity)} for a negated perplexity. */
        public static double scale(double raw, boolean log) {
            return log ? -Math.log(-raw) : raw;
        }

        /** The retention of raw score {@code s} on {@code task}. */
        public double of(String task, double s) {
            Task c = tasks.get(task);
            if (c == null) {
                throw new IllegalArgumentException("no retention constants for task " + task);
            }
            double v = scale(s, c.log());
            double gap = c.top() - c.base();
            return gap > MIN_GAP ? (v - c.base()) / gap : 1 + (v - Math.max(c.base(), c.top()));
        }
    }
}
