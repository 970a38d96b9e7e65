package dev.evomerge.report;

import java.util.List;

/**
 * The common skeleton of an x/y chart: title, plot rectangle, grid lines, axes with ticks and labels, axis names,
 * and a legend column to the right of the plot. Maps data to pixels; y grows upwards as in any chart.
 */
final class Frame {
    static final double CHAR = 0.6; // average glyph width of a sans-serif font, in font sizes, for layout estimates

    final Svg svg;
    final double left;
    final double top;
    final double width;
    final double height;
    private double xLo = 0;
    private double xHi = 1;
    private double yLo = 0;
    private double yHi = 1;

    Frame(Svg svg, double left, double top, double width, double height) {
        this.svg = svg;
        this.left = left;
        this.top = top;
        this.width = width;
        this.height = height;
    }

    double right() {
        return left + width;
    }

    double bottom() {
        return top + height;
    }

    Frame xDomain(double lo, double hi) {
        xLo = lo;
        xHi = hi;
        return this;
    }

    Frame yDomain(double lo, double hi) {
        yLo = lo;
        yHi = hi;
        return this;
    }

    double x(double v) {
        return left + (v - xLo) / (xHi - xLo) * width;
    }

    double y(double v) {
        return bottom() - (v - yLo) / (yHi - yLo) * height;
    }

    /** Title at the top left, with an optional muted subtitle under it. */
    static void title(Svg svg, double x, String title, String subtitle) {
        svg.text(x, 26, title, "font-size", 16, "font-weight", "bold", "fill", Palette.INK, "class", "title");
        if (subtitle != null && !subtitle.isEmpty()) {
            svg.text(x, 44, subtitle, "font-size", 11, "fill", Palette.MUTED, "class", "subtitle");
        }
    }

    /** Horizontal grid lines and y tick labels; sets the y domain to the ticks' span. */
    void yAxis(Ticks ticks, String name) {
        yDomain(ticks.lo(), ticks.hi());
        svg.open("g", "class", "y-axis", "stroke", Palette.GRID, "fill", Palette.MUTED, "text-anchor", "end");
        for (double v : ticks.values()) {
            double py = y(v);
            svg.add("line", "x1", left, "y1", py, "x2", right(), "y2", py);
            svg.text(left - 8, py + 4, ticks.label(v), "stroke", "none", "class", "ytick");
        }
        svg.close();
        axisNameY(name);
    }

    /** Vertical tick marks and x tick labels; sets the x domain to the ticks' span. */
    void xAxis(Ticks ticks, String name) {
        xDomain(ticks.lo(), ticks.hi());
        svg.open("g", "class", "x-axis", "stroke", Palette.GRID, "fill", Palette.MUTED, "text-anchor", "middle");
        for (double v : ticks.values()) {
            double px = x(v);
            svg.add("line", "x1", px, "y1", top, "x2", px, "y2", bottom());
            svg.text(px, bottom() + 18, ticks.label(v), "stroke", "none", "class", "xtick");
        }
        svg.close();
        axisNameX(name);
    }

    void axisNameX(String name) {
        svg.text(left + width / 2, bottom() + 42, name, "text-anchor", "middle", "fill", Palette.INK,
                "class", "x-name");
    }

    void axisNameY(String name) {
        double cx = left - 52;
        double cy = top + height / 2;
        svg.text(cx, cy, name, "text-anchor", "middle", "fill", Palette.INK, "class", "y-name",
                "transform", "rotate(-90 " + Svg.num(cx) + " " + Svg.num(cy) + ")");
    }

    /** The plot's left and bottom axis lines, drawn last so data never covers them. */
    void axisLines() {
        svg.add("line", "x1", left, "y1", bottom(), "x2", right(), "y2", bottom(), "stroke", Palette.AXIS);
        svg.add("line", "x1", left, "y1", top, "x2", left, "y2", bottom(), "stroke", Palette.AXIS);
    }

    /** A centered note in an empty plot. */
    void note(String text) {
        svg.text(left + width / 2, top + height / 2, text, "text-anchor", "middle", "fill", Palette.MUTED,
                "font-size", 14, "class", "note");
    }

    /** One legend entry. */
    record Entry(String label, String color, Swatch swatch) {
    }

    enum Swatch { LINE, DASHED, BOX, DOT, HOLLOW_DOT }

    /** Legend entries stacked to the right of the plot, starting at its top. */
    void legend(List<Entry> entries) {
        double x = right() + 20;
        double y = top + 6;
        svg.open("g", "class", "legend");
        for (Entry e : entries) {
            switch (e.swatch()) {
                case LINE, DASHED -> svg.add("line", "x1", x, "y1", y, "x2", x + 22, "y2", y, "stroke", e.color(),
                        "stroke-width", 2.5, "stroke-dasharray", e.swatch() == Swatch.DASHED ? "6 3" : null);
                case BOX -> svg.add("rect", "x", x + 5, "y", y - 6, "width", 12, "height", 12, "fill", e.color());
                case DOT -> svg.add("circle", "cx", x + 11, "cy", y, "r", 5, "fill", e.color(),
                        "stroke", Palette.INK, "stroke-width", 0.8);
                case HOLLOW_DOT -> svg.add("circle", "cx", x + 11, "cy", y, "r", 4, "fill", e.color(),
                        "fill-opacity", 0.45, "stroke", e.color());
            }
            svg.text(x + 30, y + 4, e.label(), "fill", Palette.INK, "class", "legend-label");
            y += 22;
        }
        svg.close();
    }

    /** Estimated width of a legend column holding these labels, including the swatch and padding. */
    static double legendWidth(List<String> labels) {
        int longest = labels.stream().mapToInt(String::length).max().orElse(0);
        return 20 + 30 + longest * 12 * CHAR + 12;
    }

    /** Shortens text to fit in {@code pixels} at the given font size, marking the cut with an ellipsis. */
    static String fit(String text, double pixels, double fontSize) {
        int max = Math.max(1, (int) Math.floor(pixels / (fontSize * CHAR)));
        return text.length() <= max ? text : text.substring(0, Math.max(0, max - 1)) + "\u2026";
    }
}
