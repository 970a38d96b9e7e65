package dev.evomerge.report;

import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.JournalEntry;
import io.jenetics.ext.moea.Pareto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The report's charts as standalone SVG documents (text, no XML declaration, so they can be written as {@code .svg}
 * files or inlined into HTML). Every method is pure: same input, same bytes. Names (strategies, models, tasks,
 * labels) may contain any characters; they are escaped.
 */
public final class Plots {
    private static final double WIDTH = 760;
    private static final double HEIGHT = 440;
    private static final double LEFT = 76;
    private static final double TOP = 62;
    private static final double BOTTOM = 60;
    private static final double LEGEND_MAX = 250;

    private Plots() {
    }

    /**
     * Best fitness so far against the number of evaluations, one step line per strategy, for comparing strategies at
     * equal budgets. Each strategy's entries are taken in journal order ({@link JournalEntry#index()}); every entry
     * counts as an evaluation (it spent budget), but only {@code evaluated} entries can raise the best: a pruned
     * candidate's fitness is on the staged subset and a rejected one has none. A strategy named {@code random}
     * (the baseline) is dashed.
     *
     * @param runs strategy name to its journal entries, in legend order
     */
    public static String bestSoFar(Map<String, List<JournalEntry>> runs) {
        Objects.requireNonNull(runs, "runs");
        List<String> names = new ArrayList<>(runs.keySet());
        List<double[]> curves = new ArrayList<>();
        int maxN = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String name : names) {
            double[] best = bestSoFarCurve(Objects.requireNonNull(runs.get(name), "entries of " + name));
            curves.add(best);
            maxN = Math.max(maxN, best.length);
            for (double b : best) {
                if (Double.isFinite(b)) {
                    lo = Math.min(lo, b);
                    hi = Math.max(hi, b);
                }
            }
        }
        List<String> labels = new ArrayList<>();
        for (int s = 0; s < names.size(); s++) {
            labels.add(legendLabel(names.get(s), curves.get(s)));
        }
        double legend = Math.min(LEGEND_MAX, Frame.legendWidth(labels));
        Svg svg = new Svg(WIDTH, HEIGHT);
        Frame f = new Frame(svg, LEFT, TOP, WIDTH - LEFT - legend - 16, HEIGHT - TOP - BOTTOM);
        Frame.title(svg, LEFT, "Best fitness vs evaluations",
                "search-slice fitness; legend: best, at evaluation k of n; pruned and rejected count as evaluations");
        f.xAxis(integerTicks(Math.max(1, maxN)), "evaluations");
        if (hi == Double.NEGATIVE_INFINITY) {
            f.yAxis(Ticks.nice(0, 1, 5), "best fitness so far");
            f.note("no evaluated candidates yet");
            f.axisLines();
            return svg.toString();
        }
        double pad = (hi - lo) * 0.05;
        f.yAxis(Ticks.nice(lo - pad, hi + pad, 6), "best fitness so far");
        List<Frame.Entry> legendEntries = new ArrayList<>();
        svg.open("g", "class", "series");
        for (int s = 0; s < names.size(); s++) {
            String name = names.get(s);
            String color = Palette.strategy(name, s);
            boolean baseline = name.equalsIgnoreCase("random");
            double[] best = curves.get(s);
            legendEntries.add(new Frame.Entry(Frame.fit(labels.get(s), LEGEND_MAX - 50, 12), color,
                    baseline ? Frame.Swatch.DASHED : Frame.Swatch.LINE));
            String d = stepPath(f, best);
            if (d.isEmpty()) {
                continue;
            }
            svg.open("g", "data-series", name);
            svg.textElement("title", labels.get(s));
            svg.add("path", "d", d, "fill", "none", "stroke", color, "stroke-width", 2.2,
                    "stroke-linejoin", "round", "stroke-dasharray", baseline ? "6 3" : null, "class", "step");
            for (int i = 0; i < best.length; i++) {
                boolean improved = Double.isFinite(best[i]) && (i == 0 || best[i] > best[i - 1]);
                if (improved) {
                    svg.add("circle", "cx", f.x(i + 1), "cy", f.y(best[i]), "r", 2.6, "fill", color,
                            "class", "improvement");
                }
            }
            svg.close();
        }
        svg.close();
        f.axisLines();
        f.legend(legendEntries);
        return svg.toString();
    }

    /**
     * The running best of one strategy's journal: element i is the best fitness among the evaluated entries of the
     * first i+1 (in index order), {@code -Infinity} until the first one.
     */
    static double[] bestSoFarCurve(List<JournalEntry> entries) {
        List<JournalEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt(JournalEntry::index));
        double[] best = new double[sorted.size()];
        double b = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < best.length; i++) {
            JournalEntry e = sorted.get(i);
            if (e.status().equals(CandidateStatus.EVALUATED) && Double.isFinite(e.fitness())) {
                b = Math.max(b, e.fitness());
            }
            best[i] = b;
        }
        return best;
    }

    private static String legendLabel(String name, double[] best) {
        if (best.length == 0 || !Double.isFinite(best[best.length - 1])) {
            return name + " (none evaluated)";
        }
        double last = best[best.length - 1];
        int reached = 0;
        while (best[reached] != last) {
            reached++;
        }
        return String.format(Locale.ROOT, "%s: %.4f at %d of %d", name, last, reached + 1, best.length);
    }

    /** Horizontal-then-vertical steps: the best stays flat until the evaluation that raised it. */
    private static String stepPath(Frame f, double[] best) {
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < best.length; i++) {
            if (!Double.isFinite(best[i])) {
                continue;
            }
            String x = Svg.num(f.x(i + 1));
            String y = Svg.num(f.y(best[i]));
            if (d.isEmpty()) {
                d.append("M").append(x).append(' ').append(y);
            } else if (best[i] != best[i - 1]) {
                d.append(" H").append(x).append(" V").append(y);
            }
        }
        if (!d.isEmpty()) {
            d.append(" H").append(Svg.num(f.x(best.length)));
        }
        return d.toString();
    }

    private static Ticks integerTicks(int max) {
        Ticks t = Ticks.nice(0, max, 8);
        return t.step() >= 1 ? t : new Ticks(0, max, 1);
    }

    /**
     * Grouped bars of per-task scores in [0, 1]: one group per task, one bar per model, each bar labeled with its
     * value when there is room. Meant for the held-out scores of the source models next to the best candidates.
     * A task a model has no score for gets no bar.
     *
     * @param scores model name to task to score, in legend order (use a {@link java.util.LinkedHashMap})
     * @param tasks  the tasks to show, in order
     */
    public static String taskBars(Map<String, Map<String, Double>> scores, List<String> tasks) {
        Objects.requireNonNull(scores, "scores");
        for (String model : scores.keySet()) {
            for (Map.Entry<String, Double> e : Objects.requireNonNull(scores.get(model), model).entrySet()) {
                double v = e.getValue();
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException("score of " + model + " on " + e.getKey()
                            + " must be in [0, 1], but was " + v);
                }
            }
        }
        return bars(scores, tasks, "Per-task scores", "held-out slice; higher is better", "score", 1);
    }

    /**
     * Per-task retention bars: the fraction of each task's reference gain over the base a model keeps (0 the base, 1
     * the reference). The axis runs from 0 to the largest value rounded up to 0.2 (at least 1); a value below 0 (worse
     * than the base) is drawn as no bar, its number still printed.
     *
     * @param retention model name to task to retention, in legend order
     */
    public static String retentionBars(Map<String, Map<String, Double>> retention, List<String> tasks) {
        double max = 1;
        for (Map<String, Double> m : retention.values()) {
            for (double v : m.values()) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("retention must be finite, but was " + v);
                }
                max = Math.max(max, Math.ceil(v * 5 - 1e-9) / 5);
            }
        }
        return bars(retention, tasks, "Per-task retention",
                "held-out slice; fraction of the reference's gain over the base kept (1: the reference)", "retention",
                max);
    }

    private static String bars(Map<String, Map<String, Double>> scores, List<String> tasks, String title,
                               String subtitle, String axis, double max) {
        Objects.requireNonNull(tasks, "tasks");
        List<String> models = new ArrayList<>(scores.keySet());
        double legend = Math.min(LEGEND_MAX, Frame.legendWidth(models));
        Svg svg = new Svg(WIDTH, HEIGHT);
        Frame f = new Frame(svg, LEFT, TOP, WIDTH - LEFT - legend - 16, HEIGHT - TOP - BOTTOM);
        Frame.title(svg, LEFT, title, subtitle);
        f.yAxis(max == 1 ? new Ticks(0, 1, 0.2) : Ticks.nice(0, max, 5), axis);
        if (tasks.isEmpty() || models.isEmpty()) {
            f.note("no scores");
            f.axisLines();
            return svg.toString();
        }
        double group = f.width / tasks.size();
        double inner = group * 0.8;
        double bar = inner / models.size();
        double valueFont = Math.min(10, bar / (4 * Frame.CHAR));
        List<Frame.Entry> legendEntries = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            String model = models.get(m);
            String color = Palette.series(m);
            legendEntries.add(new Frame.Entry(Frame.fit(model, LEGEND_MAX - 50, 12), color, Frame.Swatch.BOX));
            svg.open("g", "data-series", model, "fill", color, "text-anchor", "middle", "font-size", valueFont);
            for (int t = 0; t < tasks.size(); t++) {
                Double v = scores.get(model).get(tasks.get(t));
                if (v == null) {
                    continue;
                }
                double x = f.left + t * group + (group - inner) / 2 + m * bar;
                double y = f.y(Math.max(0, v));
                svg.open("g", "class", "bar");
                svg.textElement("title", model + " on " + tasks.get(t) + ": " + fmt(v, 3));
                svg.add("rect", "x", x + 1, "y", y, "width", Math.max(1, bar - 2), "height", f.bottom() - y);
                if (valueFont >= 7) {
                    svg.text(x + bar / 2, y - 4, fmt(v, 2), "fill", Palette.INK, "class", "bar-value");
                }
                svg.close();
            }
            svg.close();
        }
        svg.open("g", "class", "x-axis");
        for (int t = 0; t < tasks.size(); t++) {
            svg.text(f.left + (t + 0.5) * group, f.bottom() + 18, Frame.fit(tasks.get(t), group - 4, 12),
                    "text-anchor", "middle", "fill", Palette.INK, "class", "xtick");
        }
        svg.close();
        f.axisNameX("task");
        f.axisLines();
        f.legend(legendEntries);
        return svg.toString();
    }

    /**
     * A sweep heatmap: one cell per grid point, colored on viridis between the grid's min and max, with the value
     * printed in the cell, the best cell outlined, and a color scale on the right. NaN marks a point that was not
     * evaluated (gray, printed as "–").
     *
     * @param xs     column coordinates, left to right
     * @param ys     row coordinates, bottom to top
     * @param values {@code values[i][j]} is the value at {@code (xs[j], ys[i])}
     */
    public static String heatmap(String xName, List<Double> xs, String yName, List<Double> ys, double[][] values) {
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(ys, "ys");
        Objects.requireNonNull(values, "values");
        if (xs.isEmpty() || ys.isEmpty()) {
            throw new IllegalArgumentException("a heatmap needs at least one x and one y, but got " + xs.size()
                    + " x " + ys.size());
        }
        if (values.length != ys.size()) {
            throw new IllegalArgumentException("heatmap needs one row of values per y (" + ys.size() + "), but got "
                    + values.length);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int bestI = -1;
        int bestJ = -1;
        for (int i = 0; i < values.length; i++) {
            if (values[i].length != xs.size()) {
                throw new IllegalArgumentException("heatmap row " + i + " needs " + xs.size() + " values, but has "
                        + values[i].length);
            }
            for (int j = 0; j < xs.size(); j++) {
                double v = values[i][j];
                if (Double.isInfinite(v)) {
                    throw new IllegalArgumentException("heatmap value at row " + i + ", column " + j
                            + " must be finite or NaN, but was " + v);
                }
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    if (v > hi) {
                        hi = v;
                        bestI = i;
                        bestJ = j;
                    }
                }
            }
        }
        double cw = Math.clamp(520.0 / xs.size(), 44, 96);
        double ch = Math.clamp(340.0 / ys.size(), 28, 64);
        double gridW = cw * xs.size();
        double gridH = ch * ys.size();
        double left = 92;
        double top = TOP;
        double scaleX = left + gridW + 28;
        Svg svg = new Svg(Math.max(scaleX + 90, 420), top + gridH + BOTTOM);
        Frame f = new Frame(svg, left, top, gridW, gridH);
        String subtitle = bestI < 0 ? "no evaluated points"
                : "best " + fmt(hi, 3) + " at " + xName + " = " + Ticks.shortNumber(xs.get(bestJ)) + ", "
                + yName + " = " + Ticks.shortNumber(ys.get(bestI));
        Frame.title(svg, left, "Sweep: " + yName + " \u00d7 " + xName, subtitle);
        double font = Math.min(12, Math.min(cw / (5.5 * Frame.CHAR), ch * 0.45));
        svg.open("g", "class", "cells", "text-anchor", "middle", "font-size", font);
        for (int i = 0; i < ys.size(); i++) {
            for (int j = 0; j < xs.size(); j++) {
                double v = values[i][j];
                double x = left + j * cw;
                double y = top + gridH - (i + 1) * ch;
                int[] rgb = Double.isNaN(v) ? null : Palette.viridisRgb(hi > lo ? (v - lo) / (hi - lo) : 0.5);
                svg.open("g", "class", "cell");
                svg.textElement("title", xName + " = " + Ticks.shortNumber(xs.get(j)) + ", " + yName + " = "
                        + Ticks.shortNumber(ys.get(i)) + ": " + (rgb == null ? "not evaluated" : fmt(v, 4)));
                svg.add("rect", "x", x, "y", y, "width", cw, "height", ch,
                        "fill", rgb == null ? Palette.MISSING : Palette.hex(rgb), "stroke", "#ffffff");
                svg.text(x + cw / 2, y + ch / 2 + font * 0.35, rgb == null ? "\u2013" : fmt(v, 3),
                        "fill", rgb == null ? Palette.MUTED : Palette.textOn(rgb), "class", "cell-value");
                svg.close();
            }
        }
        svg.close();
        if (bestI >= 0) {
            double x = left + bestJ * cw;
            double y = top + gridH - (bestI + 1) * ch;
            svg.add("rect", "x", x + 1.5, "y", y + 1.5, "width", cw - 3, "height", ch - 3, "fill", "none",
                    "stroke", "#e8006a", "stroke-width", 3, "class", "best-cell");
        }
        svg.open("g", "class", "x-axis", "fill", Palette.MUTED, "text-anchor", "middle");
        for (int j = 0; j < xs.size(); j++) {
            svg.text(left + (j + 0.5) * cw, top + gridH + 18, Ticks.shortNumber(xs.get(j)), "class", "xtick");
        }
        svg.close();
        svg.open("g", "class", "y-axis", "fill", Palette.MUTED, "text-anchor", "end");
        for (int i = 0; i < ys.size(); i++) {
            svg.text(left - 8, top + gridH - (i + 0.5) * ch + 4, Ticks.shortNumber(ys.get(i)), "class", "ytick");
        }
        svg.close();
        f.axisNameX(xName);
        f.axisNameY(yName);
        if (bestI >= 0) {
            colorScale(svg, scaleX, top, Math.min(gridH, 240), lo, hi);
        }
        return svg.toString();
    }

    private static void colorScale(Svg svg, double x, double top, double h, double lo, double hi) {
        svg.open("defs");
        svg.open("linearGradient", "id", "viridis", "x1", 0, "y1", 1, "x2", 0, "y2", 0);
        for (int k = 0; k <= 8; k++) {
            svg.add("stop", "offset", k / 8.0, "stop-color", Palette.viridis(k / 8.0));
        }
        svg.close();
        svg.close();
        svg.open("g", "class", "color-scale");
        svg.add("rect", "x", x, "y", top, "width", 14, "height", h, "fill", "url(#viridis)", "stroke", Palette.AXIS,
                "stroke-width", 0.5);
        if (hi > lo) {
            // The scale spans exactly [min, max], so ticks outside it are dropped; ask for finer steps until at
            // least three fall inside.
            Ticks t = Ticks.nice(lo, hi, 4);
            for (int target = 6; inside(t, lo, hi).size() < 3 && target <= 16; target += 2) {
                t = Ticks.nice(lo, hi, target);
            }
            for (double v : inside(t, lo, hi)) {
                double y = top + h - (v - lo) / (hi - lo) * h;
                svg.add("line", "x1", x + 14, "y1", y, "x2", x + 18, "y2", y, "stroke", Palette.AXIS);
                svg.text(x + 21, y + 4, t.label(v), "fill", Palette.MUTED, "font-size", 11, "class", "scale-tick");
            }
        }
        svg.text(x + 21, top + h + 16, "min " + fmt(lo, 3), "fill", Palette.MUTED, "font-size", 10);
        svg.text(x + 21, top - 6, "max " + fmt(hi, 3), "fill", Palette.MUTED, "font-size", 10);
        svg.close();
    }

    private static List<Double> inside(Ticks t, double lo, double hi) {
        double eps = (hi - lo) * 1e-9;
        return t.values().stream().filter(v -> v >= lo - eps && v <= hi + eps).toList();
    }

    /**
     * Which points are on the Pareto front when every objective is maximized. Point a dominates b when a is at least
     * as good in every objective and strictly better in one (Deb et al. 2002, NSGA-II, section II; Jenetics'
     * {@link Pareto#dominance(double[], double[])}); a point is on the front when no other point
     * dominates it. So duplicates of a front point are all on the front, and a point tied with a front point in one
     * objective but worse in another is not. Exact, O(n² m).
     *
     * @param points objective vectors, all of the same length, finite
     * @return one flag per point, in input order
     */
    public static boolean[] paretoFront(List<double[]> points) {
        Objects.requireNonNull(points, "points");
        int n = points.size();
        int m = n == 0 ? 0 : checkPoint(points.get(0), 0, -1).length;
        for (int i = 0; i < n; i++) {
            checkPoint(points.get(i), i, m);
        }
        boolean[] onFront = new boolean[n];
        for (int i = 0; i < n; i++) {
            onFront[i] = true;
            for (int j = 0; j < n && onFront[i]; j++) {
                onFront[i] = j == i || Pareto.dominance(points.get(j), points.get(i)) <= 0;
            }
        }
        return onFront;
    }

    /** Validates point i: non-null, finite, of {@code objectives} entries (any number when negative). */
    static double[] checkPoint(double[] p, int i, int objectives) {
        if (p == null) {
            throw new IllegalArgumentException("point " + i + " must not be null");
        }
        if (objectives >= 0 && p.length != objectives) {
            throw new IllegalArgumentException("point " + i + " must have " + objectives + " objectives, but has "
                    + p.length);
        }
        for (double v : p) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("point " + i + " must be finite, but had " + v);
            }
        }
        return p;
    }

    /**
     * A scatter of candidates in two objectives (both maximized) with the non-dominated front highlighted, connected
     * in x order and labeled; dominated points are gray, their labels in tooltips.
     *
     * @param points  (x, y) per candidate
     * @param labels  one label per point (e.g. {@code #17})
     * @param onFront whether each point is on the front, usually {@link #paretoFront(List)}
     */
    public static String pareto(List<double[]> points, List<String> labels, String xName, String yName,
            boolean[] onFront) {
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(onFront, "onFront");
        if (labels.size() != points.size() || onFront.length != points.size()) {
            throw new IllegalArgumentException("pareto plot needs one label and one front flag per point (" +
                    points.size() + "), but got " + labels.size() + " and " + onFront.length);
        }
        double xLo = Double.POSITIVE_INFINITY;
        double xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < points.size(); i++) {
            double[] p = checkPoint(points.get(i), i, 2);
            xLo = Math.min(xLo, p[0]);
            xHi = Math.max(xHi, p[0]);
            yLo = Math.min(yLo, p[1]);
            yHi = Math.max(yHi, p[1]);
        }
        int frontCount = 0;
        for (boolean b : onFront) {
            frontCount += b ? 1 : 0;
        }
        List<String> legendLabels = List.of("Pareto front (" + frontCount + ")",
                "dominated (" + (points.size() - frontCount) + ")");
        double legend = Frame.legendWidth(legendLabels);
        Svg svg = new Svg(WIDTH, HEIGHT);
        Frame f = new Frame(svg, LEFT, TOP, WIDTH - LEFT - legend - 16, HEIGHT - TOP - BOTTOM);
        Frame.title(svg, LEFT, "Pareto front: " + yName + " vs " + xName, "both maximized; up and right is better");
        if (points.isEmpty()) {
            f.xAxis(Ticks.nice(0, 1, 5), xName);
            f.yAxis(Ticks.nice(0, 1, 5), yName);
            f.note("no points");
            f.axisLines();
            return svg.toString();
        }
        double xPad = (xHi - xLo) * 0.06;
        double yPad = (yHi - yLo) * 0.06;
        f.xAxis(Ticks.nice(xLo - xPad, xHi + xPad, 6), xName);
        f.yAxis(Ticks.nice(yLo - yPad, yHi + yPad, 6), yName);
        String frontColor = "#D55E00";
        String otherColor = "#8c8c8c";
        svg.open("g", "class", "dominated");
        for (int i = 0; i < points.size(); i++) {
            if (!onFront[i]) {
                double[] p = points.get(i);
                svg.open("g", "class", "point");
                svg.textElement("title", labelOf(labels, i) + ": " + fmt(p[0], 4) + ", " + fmt(p[1], 4));
                svg.add("circle", "cx", f.x(p[0]), "cy", f.y(p[1]), "r", 4, "fill", otherColor,
                        "fill-opacity", 0.45, "stroke", otherColor);
                svg.close();
            }
        }
        svg.close();
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            if (onFront[i]) {
                front.add(i);
            }
        }
        front.sort(Comparator.<Integer>comparingDouble(i -> points.get(i)[0])
                .thenComparing(i -> -points.get(i)[1]));
        svg.open("g", "class", "front");
        if (front.size() > 1) {
            StringBuilder pts = new StringBuilder();
            for (int i : front) {
                if (!pts.isEmpty()) {
                    pts.append(' ');
                }
                pts.append(Svg.num(f.x(points.get(i)[0]))).append(',').append(Svg.num(f.y(points.get(i)[1])));
            }
            svg.add("polyline", "points", pts, "fill", "none", "stroke", frontColor, "stroke-width", 2,
                    "stroke-linejoin", "round", "class", "front-line");
        }
        List<double[]> placed = new ArrayList<>();
        for (int i : front) {
            double[] p = points.get(i);
            double px = f.x(p[0]);
            double py = f.y(p[1]);
            svg.open("g", "class", "point");
            svg.textElement("title", labelOf(labels, i) + ": " + fmt(p[0], 4) + ", " + fmt(p[1], 4));
            svg.add("circle", "cx", px, "cy", py, "r", 5, "fill", frontColor, "stroke", Palette.INK,
                    "stroke-width", 0.8);
            double[] box = labelBox(f, px, py, labelOf(labels, i), placed);
            if (box != null) {
                placed.add(box);
                svg.text(box[0], box[3] - 2, labelOf(labels, i), "font-size", 11, "fill", Palette.INK,
                        "class", "front-label");
            }
            svg.close();
        }
        svg.close();
        f.axisLines();
        f.legend(List.of(new Frame.Entry(legendLabels.get(0), frontColor, Frame.Swatch.DOT),
                new Frame.Entry(legendLabels.get(1), otherColor, Frame.Swatch.HOLLOW_DOT)));
        return svg.toString();
    }

    /**
     * A spot for a point's label that overlaps no label placed so far and stays inside the plot: above right, below
     * right, above left or below left of the point, in that order; null when all four collide (the label is still in
     * the point's tooltip). Boxes are {x0, y0, x1, y1}.
     */
    private static double[] labelBox(Frame f, double px, double py, String text, List<double[]> placed) {
        double w = text.length() * 11 * Frame.CHAR;
        double h = 13;
        double[][] candidates = {
                {px + 7, py - 7 - h}, {px + 7, py + 7}, {px - 7 - w, py - 7 - h}, {px - 7 - w, py + 7}};
        for (double[] c : candidates) {
            double[] box = {c[0], c[1], c[0] + w, c[1] + h};
            boolean inside = box[0] >= f.left && box[2] <= f.right() && box[1] >= f.top && box[3] <= f.bottom();
            boolean free = placed.stream().noneMatch(b -> box[0] < b[2] && b[0] < box[2] && box[1] < b[3]
                    && b[1] < box[3]);
            if (inside && free) {
                return box;
            }
        }
        return null;
    }

    private static String labelOf(List<String> labels, int i) {
        String l = labels.get(i);
        return l == null ? "#" + i : l;
    }

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
