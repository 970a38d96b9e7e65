package dev.evomerge.report;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A tiny writer for SVG text: elements with attributes, nested groups, escaped text. Output is one element per line,
 * indented, so a plot diffs and reads like source. Coordinates are written with at most two decimals (a hundredth of
 * a pixel is below what any renderer shows, and it keeps files small and stable across platforms).
 *
 * <p>Attributes are given as name/value pairs; a {@code Number} value is formatted with {@link #num(double)}, anything
 * else with {@code toString()} and escaped. Element and attribute names are trusted constants of the caller and are
 * written as given.
 */
public final class Svg {
    private static final String FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

    private final double width;
    private final double height;
    private final StringBuilder body = new StringBuilder();
    private final Deque<String> open = new ArrayDeque<>();

    public Svg(double width, double height) {
        if (!(width > 0 && height > 0)) {
            throw new IllegalArgumentException("svg size must be positive, but was " + width + " x " + height);
        }
        this.width = width;
        this.height = height;
    }

    public double width() {
        return width;
    }

    public double height() {
        return height;
    }

    /** An empty element, e.g. {@code add("rect", "x", 1, "y", 2, "width", 3, "height", 4)}. */
    public Svg add(String element, Object... attributes) {
        indent().append('<').append(element);
        attributes(attributes);
        body.append("/>\n");
        return this;
    }

    /** An element holding escaped text, e.g. a {@code <text>} or a {@code <title>} tooltip. */
    public Svg textElement(String element, String text, Object... attributes) {
        indent().append('<').append(element);
        attributes(attributes);
        body.append('>').append(escape(text)).append("</").append(element).append(">\n");
        return this;
    }

    /** A {@code <text>} at (x, y); extra attributes such as {@code text-anchor} follow. */
    public Svg text(double x, double y, String text, Object... attributes) {
        Object[] all = new Object[attributes.length + 4];
        all[0] = "x";
        all[1] = x;
        all[2] = "y";
        all[3] = y;
        System.arraycopy(attributes, 0, all, 4, attributes.length);
        return textElement("text", text, all);
    }

    /** Opens a container element ({@code g}, {@code defs}, ...); close it with {@link #close()}. */
    public Svg open(String element, Object... attributes) {
        indent().append('<').append(element);
        attributes(attributes);
        body.append(">\n");
        open.push(element);
        return this;
    }

    public Svg close() {
        if (open.isEmpty()) {
            throw new IllegalStateException("no open element to close");
        }
        String element = open.pop();
        indent().append("</").append(element).append(">\n");
        return this;
    }

    /** The document: an {@code <svg>} root with a white background, no XML declaration (so it can be inlined). */
    @Override
    public String toString() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("unclosed element <" + open.peek() + ">");
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height)
                + "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" font-family=\"" + FONT
                + "\" font-size=\"12\">\n"
                + "  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
                + body
                + "</svg>\n";
    }

    /**
     * Escapes text for XML (and HTML) content and attribute values. Characters XML 1.0 cannot carry at all (C0 controls
     * other than tab, newline and carriage return, lone surrogates) become U+FFFD rather than breaking the document.
     */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        sb.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)
                            || c == 0xFFFE || c == 0xFFFF) {
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A coordinate: at most two decimals, no trailing zeros, no exponent, "-0" written as "0". */
    public static String num(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("coordinate must be finite, but was " + v);
        }
        double r = Math.round(v * 100.0) / 100.0;
        if (r == 0.0) {
            return "0";
        }
        if (r == Math.rint(r) && Math.abs(r) < 1e15) {
            return Long.toString((long) r);
        }
        String s = String.format(Locale.ROOT, "%.2f", r);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    private void attributes(Object[] attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs, but got " + attributes.length);
        }
        for (int i = 0; i < attributes.length; i += 2) {
            Object value = attributes[i + 1];
            if (value == null) {
                continue;
            }
            String text = value instanceof Number n ? num(n.doubleValue()) : escape(value.toString());
            body.append(' ').append(attributes[i]).append("=\"").append(text).append('"');
        }
    }

    private StringBuilder indent() {
        body.append("  ".repeat(open.size() + 1));
        return body;
    }
}
