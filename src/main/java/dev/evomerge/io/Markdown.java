package dev.evomerge.io;

import java.util.List;

/**
 * Markdown tables as every file evomerge writes them: {@code | a | b |} rows, and a rule of {@code ---} (left) or
 * {@code ---:} (right-aligned, for numbers) cells. Cells are written as given: escaping is the caller's (a report
 * escapes free text, a leaderboard quotes recipes in backticks).
 */
public final class Markdown {
    private Markdown() {
    }

    /** Appends {@code | c1 | c2 | ... |} and a newline. */
    public static StringBuilder row(StringBuilder md, List<String> cells) {
        md.append('|');
        cells.forEach(c -> md.append(' ').append(c).append(" |"));
        return md.append('\n');
    }

    /** Appends the rule under a header: one cell per column, {@code ---:} where {@code right} is true. */
    public static StringBuilder rule(StringBuilder md, List<Boolean> right) {
        md.append('|');
        right.forEach(r -> md.append(r ? "---:|" : "---|"));
        return md.append('\n');
    }
}
