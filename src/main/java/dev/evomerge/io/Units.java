package dev.evomerge.io;

import java.time.Duration;
import java.util.Locale;

/** Sizes, rates and durations as evomerge prints them (decimal units, as the merge and bench outputs use). */
public final class Units {
    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB"};

    private Units() {
    }

    /** A byte count to two decimals in the largest decimal unit under which it is at least 1: "1.07 GB". */
    public static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        double v = n;
        int u = -1;
        while (v >= 1000 && u < UNITS.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, UNITS[u]);
    }

    /** A throughput in bytes per second: GB/s to two decimals from 1 GB/s, else MB/s to one. */
    public static String rate(double bytesPerSecond) {
        return bytesPerSecond >= 1e9 ? String.format(Locale.ROOT, "%.2f GB/s", bytesPerSecond / 1e9)
                : String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    /** h:mm:ss. */
    public static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
