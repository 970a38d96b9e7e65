package dev.evomerge.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Colors. Series use the Okabe-Ito palette (Okabe and Ito 2008), which stays distinguishable under the common forms
 * of color blindness; the known strategies keep one color across every plot, with the random baseline in gray.
 * Heatmaps use viridis (van der Walt and Smith, matplotlib 2015): perceptually uniform and readable in grayscale.
 */
final class Palette {
    static final String INK = "#222222";
    static final String MUTED = "#666666";
    static final String GRID = "#e6e6e6";
    static final String AXIS = "#888888";
    static final String MISSING = "#d9d9d9";

    private static final List<String> SERIES = List.of(
            "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31");

    private static final Map<String, String> STRATEGIES = Map.of(
            "cmaes", "#0072B2",
            "ga", "#D55E00",
            "nsga2", "#CC79A7",
            "grid", "#009E73",
            "random", "#7F7F7F");

    /** Viridis at 0, 1/8, ..., 1, from matplotlib's table. */
    private static final int[][] VIRIDIS = {
            {68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 145, 140},
            {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};

    private Palette() {
    }

    /** The i-th series color, cycling. */
    static String series(int i) {
        return SERIES.get(Math.floorMod(i, SERIES.size()));
    }

    /** A strategy's fixed color, or the i-th series color for a name we do not know. */
    static String strategy(String name, int i) {
        return STRATEGIES.getOrDefault(name.toLowerCase(Locale.ROOT), series(i));
    }

    /** Viridis at t in [0, 1] (clamped), linearly interpolated between the table's stops. */
    static String viridis(double t) {
        return hex(viridisRgb(t));
    }

    static int[] viridisRgb(double t) {
        double x = Math.clamp(Double.isNaN(t) ? 0 : t, 0.0, 1.0) * (VIRIDIS.length - 1);
        int i = Math.min((int) Math.floor(x), VIRIDIS.length - 2);
        double f = x - i;
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (int) Math.round(VIRIDIS[i][c] + f * (VIRIDIS[i + 1][c] - VIRIDIS[i][c]));
        }
        return rgb;
    }

    /** Black or white, whichever reads better on the given background (WCAG relative luminance). */
    static String textOn(int[] rgb) {
        double l = 0;
        double[] weights = {0.2126, 0.7152, 0.0722};
        for (int c = 0; c < 3; c++) {
            double s = rgb[c] / 255.0;
            l += weights[c] * (s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4));
        }
        // Contrast with black (l + 0.05) / 0.05 beats contrast with white 1.05 / (l + 0.05) above l ~ 0.179.
        return l > 0.179 ? "#000000" : "#ffffff";
    }

    static String hex(int[] rgb) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    }
}
