package dev.evomerge.report;

import dev.evomerge.search.JournalEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Everything a run report shows. The search loop fills it at the end of a run (or a sweep) and hands it to
 * {@link RunReport#write}; nothing here is read back from disk.
 *
 * @param runId        the run's directory name under {@code results/}
 * @param strategy     the strategy of the run (e.g. {@code cmaes}); the journal may also hold others for comparison
 * @param budget       the evaluation budget the run was given
 * @param settings     anything else worth a line in the summary (seed, search space, suite, gates, workers), in order
 * @param timings      wall-clock times
 * @param tasks        the suite's tasks, in the order tables and plots show them
 * @param journal      the journal's entries; entries of several strategies make the progress plot a comparison
 * @param topK         how many of the best evaluated candidates the top table lists
 * @param sourceScores held-out per-task scores of the source models (and the base), by model name, in order
 * @param finish       the re-scored and gated top candidates, in rank order
 * @param sweep        a grid sweep to draw as a heatmap, or null
 * @param pareto       two objectives to draw as a Pareto scatter, or null
 */
public record ReportData(String runId, String strategy, int budget, Map<String, String> settings, Timings timings,
        List<String> tasks, List<JournalEntry> journal, int topK, Map<String, Map<String, Double>> sourceScores,
        List<FinishResult> finish, Sweep sweep, ParetoPoints pareto) {

    public ReportData {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("run id must not be blank");
        }
        Objects.requireNonNull(strategy, "strategy");
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0, but was " + budget);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, but was " + topK);
        }
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings == null ? Map.of() : settings));
        Objects.requireNonNull(timings, "timings");
        tasks = List.copyOf(tasks);
        journal = List.copyOf(journal);
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        (sourceScores == null ? Map.<String, Map<String, Double>>of() : sourceScores)
                .forEach((k, v) -> sources.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        sourceScores = Collections.unmodifiableMap(sources);
        finish = finish == null ? List.of() : List.copyOf(finish);
    }

    /**
     * Wall-clock times of the run's phases.
     *
     * @param searchSeconds the search loop, from start (or resume) to the last journal line
     * @param finishSeconds held-out re-scoring, gating and writing accepted checkpoints
     */
    public record Timings(double searchSeconds, double finishSeconds) {
        public Timings {
            if (!(searchSeconds >= 0) || !(finishSeconds >= 0)) {
                throw new IllegalArgumentException("timings must be >= 0, but were " + searchSeconds + " and "
                        + finishSeconds);
            }
        }
    }

    /**
     * One top candidate after the finish: its held-out scores and the gates' decision.
     *
     * @param name         display name, e.g. {@code #17}
     * @param journalIndex its {@link JournalEntry#index()}
     * @param heldOut      held-out per-task scores in [0, 1]
     * @param combined     the held-out weighted objective (same weights as the search fitness)
     * @param accepted     whether every gate passed
     * @param failingGate  the first gate that failed (or was skipped), as the gate report describes it; null when
     *                     accepted
     * @param margin       signed slack of the failing gate, or the smallest slack over all gates when accepted;
     *                     NaN when unknown (a skipped gate)
     * @param checkpoint   where the accepted checkpoint was written, relative to the run directory; null when rejected
     */
    public record FinishResult(String name, int journalIndex, Map<String, Double> heldOut, double combined,
            boolean accepted, String failingGate, double margin, String checkpoint) {
        public FinishResult {
            Objects.requireNonNull(name, "name");
            heldOut = Collections.unmodifiableMap(new LinkedHashMap<>(heldOut));
            if (accepted && failingGate != null) {
                throw new IllegalArgumentException("accepted candidate " + name + " cannot have a failing gate");
            }
            if (!accepted && (failingGate == null || failingGate.isBlank())) {
                throw new IllegalArgumentException("rejected candidate " + name + " needs its failing gate");
            }
        }
    }

    /**
     * A grid sweep over two parameters.
     *
     * @param values {@code values[i][j]} is the objective at {@code (xs[j], ys[i])}; NaN where not evaluated
     */
    public record Sweep(String xName, List<Double> xs, String yName, List<Double> ys, double[][] values) {
        public Sweep {
            Objects.requireNonNull(xName, "xName");
            Objects.requireNonNull(yName, "yName");
            xs = List.copyOf(xs);
            ys = List.copyOf(ys);
            values = deepCopy(values);
            if (values.length != ys.size()) {
                throw new IllegalArgumentException("sweep needs one row per " + yName + " value (" + ys.size()
                        + "), but got " + values.length);
            }
            for (int i = 0; i < values.length; i++) {
                if (values[i].length != xs.size()) {
                    throw new IllegalArgumentException("sweep row " + i + " needs one value per " + xName + " value ("
                            + xs.size() + "), but has " + values[i].length);
                }
            }
        }

        /**
         * The grid spanned by scattered (x, y, value) points, e.g. a grid strategy's journal decoded to parameters:
         * the distinct xs and ys ascending, NaN where no point landed, the best value where several did (a repeated
         * point, or a grid over more than two parameters seen from two of them).
         */
        public static Sweep of(String xName, String yName, List<double[]> xyValue) {
            TreeSet<Double> xSet = new TreeSet<>();
            TreeSet<Double> ySet = new TreeSet<>();
            for (int k = 0; k < xyValue.size(); k++) {
                double[] p = xyValue.get(k);
                if (p == null || p.length != 3 || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                    throw new IllegalArgumentException("sweep point " + k + " must be a finite (x, y, value)");
                }
                xSet.add(p[0]);
                ySet.add(p[1]);
            }
            List<Double> xs = List.copyOf(xSet);
            List<Double> ys = List.copyOf(ySet);
            double[][] v = new double[ys.size()][xs.size()];
            for (double[] row : v) {
                Arrays.fill(row, Double.NaN);
            }
            for (double[] p : xyValue) {
                int i = ys.indexOf(p[1]);
                int j = xs.indexOf(p[0]);
                if (Double.isNaN(v[i][j]) || p[2] > v[i][j]) {
                    v[i][j] = p[2];
                }
            }
            return new Sweep(xName, xs, yName, ys, v);
        }

        @Override
        public double[][] values() {
            return deepCopy(values);
        }

        private static double[][] deepCopy(double[][] v) {
            double[][] c = new double[v.length][];
            for (int i = 0; i < v.length; i++) {
                c[i] = v[i].clone();
            }
            return c;
        }
    }

    /**
     * Candidates in two objectives (both maximized), e.g. two tasks' scores from an {@code nsga2} run.
     *
     * @param labels one per point
     */
    public record ParetoPoints(String xName, String yName, List<double[]> points, List<String> labels) {
        public ParetoPoints {
            Objects.requireNonNull(xName, "xName");
            Objects.requireNonNull(yName, "yName");
            List<double[]> copy = new ArrayList<>();
            for (int i = 0; i < points.size(); i++) {
                copy.add(Plots.checkPoint(points.get(i), i, 2).clone());
            }
            points = Collections.unmodifiableList(copy);
            labels = List.copyOf(labels);
            if (labels.size() != points.size()) {
                throw new IllegalArgumentException("pareto points need one label each (" + points.size()
                        + "), but got " + labels.size());
            }
        }

        @Override
        public List<double[]> points() {
            return points.stream().map(double[]::clone).toList();
        }
    }
}
