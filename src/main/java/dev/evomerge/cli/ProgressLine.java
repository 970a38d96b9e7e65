package dev.evomerge.cli;

import java.io.PrintWriter;

/** One self-overwriting progress line on stderr: percent, rate and ETA, at most a few updates a second. */
final class ProgressLine {
    private final PrintWriter err;
    private final String label;
    private final boolean quiet;
    private final long start = System.nanoTime();
    private long lastPrint;
    private boolean printed;

    ProgressLine(PrintWriter err, String label, boolean quiet) {
        this.err = err;
        this.label = label;
        this.quiet = quiet;
    }

    void update(long done, long total, String detail) {
        long now = System.nanoTime();
        if (quiet || (now - lastPrint < 250_000_000L && done < total)) {
            return;
        }
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 && done < total ? " ETA " + duration((total - done) / rate) : "";
        err.printf("\r%s %3d%% %s %s%s   ", label, total == 0 ? 100 : (int) (100 * done / total), detail,
                Sizes.rate(rate), eta);
        err.flush();
        printed = true;
    }

    void finish() {
        if (printed) {
            err.println();
            err.flush();
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
