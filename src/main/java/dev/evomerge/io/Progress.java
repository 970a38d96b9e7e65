package dev.evomerge.io;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Progress of a counted job on a text stream (normally stderr): done/total, percent, rate and ETA, throttled to one
 * update per {@code interval}; a job counted in bytes ({@link #bytes}) prints sizes and a byte rate. On a terminal the line is redrawn in place; elsewhere (logs, CI) each update is its
 * own line. The clock is injected so tests control time. Thread-safe.
 */
public final class Progress implements AutoCloseable {

    /** Starts a progress report for a job of {@code total} units. */
    @FunctionalInterface
    public interface Factory {
        Progress start(String label, long total);

        /** Reports nothing. */
        Factory NONE = (label, total) -> new Progress(label, total, null, System::nanoTime, Duration.ZERO, false);

        /** Stderr-style reporting on {@code out}, redrawn in place when {@code inPlace}. */
        static Factory to(PrintWriter out, boolean inPlace) {
            return (label, total) -> new Progress(label, total, out, System::nanoTime, Duration.ofMillis(500),
                    inPlace);
        }
    }

    private final String label;
    private final long total;
    private final PrintWriter out;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final boolean inPlace;
    private final boolean inBytes;
    private final long startNanos;
    private long done;
    private long lastPrintNanos;
    private boolean printedAny;
    private boolean closed;

    public Progress(String label, long total, PrintWriter out, LongSupplier nanoClock, Duration interval,
            boolean inPlace) {
        this(label, total, out, nanoClock, interval, inPlace, false);
    }

    private Progress(String label, long total, PrintWriter out, LongSupplier nanoClock, Duration interval,
            boolean inPlace, boolean inBytes) {
        if (total < 0) {
            throw new IllegalArgumentException("total must be >= 0, but was " + total);
        }
        this.label = Objects.requireNonNull(label, "label");
        this.total = total;
        this.out = out;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.intervalNanos = interval.toNanos();
        this.inPlace = inPlace;
        this.inBytes = inBytes;
        this.startNanos = nanoClock.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /** A job of {@code totalBytes} bytes, reported every half second on {@code out}, redrawn in place when asked. */
    public static Progress bytes(String label, long totalBytes, PrintWriter out, boolean inPlace) {
        return new Progress(label, totalBytes, out, System::nanoTime, Duration.ofMillis(500), inPlace, true);
    }

    /** Records {@code n} more finished units and prints if the throttle allows. */
    public synchronized void advance(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, but was " + n);
        }
        advanceTo(done + n);
    }

    /** Records that {@code doneSoFar} units are finished in all (never fewer than before) and prints if allowed. */
    public synchronized void advanceTo(long doneSoFar) {
        done = Math.min(total, Math.max(done, doneSoFar));
        long now = nanoClock.getAsLong();
        if (out != null && now - lastPrintNanos >= intervalNanos) {
            print(line(now));
            lastPrintNanos = now;
        }
    }

    public synchronized long done() {
        return done;
    }

    /** The status line at time {@code now}: "label 37/120 31% 4.20/s ETA 0:00:20". */
    public synchronized String line(long now) {
        double seconds = (now - startNanos) / 1e9;
        StringBuilder sb = new StringBuilder(label).append(' ').append(count(done)).append('/').append(count(total));
        if (total > 0) {
            sb.append(String.format(Locale.ROOT, " %d%%", done * 100 / total));
        }
        if (done > 0 && seconds > 0) {
            double rate = done / seconds;
            sb.append(' ').append(inBytes ? Units.rate(rate) : String.format(Locale.ROOT, "%.2f/s", rate));
            if (done < total) {
                sb.append(" ETA ").append(Units.clock(Duration.ofMillis(Math.round((total - done) / rate * 1000))));
            }
        } else if (done < total) {
            sb.append(" ETA --");
        }
        return sb.toString();
    }

    private String count(long n) {
        return inBytes ? Units.bytes(n) : Long.toString(n);
    }

    private void print(String line) {
        if (inPlace) {
            out.print("\r" + line + "\u001b[K");
        } else {
            out.println(line);
        }
        out.flush();
        printedAny = true;
    }

    /** Prints the final line with the elapsed time (only if anything was printed, or the job took a while). */
    @Override
    public synchronized void close() {
        if (closed || out == null) {
            closed = true;
            return;
        }
        closed = true;
        long now = nanoClock.getAsLong();
        if (printedAny || now - startNanos >= intervalNanos) {
            String line = label + " " + count(done) + "/" + count(total) + " done in " + Units.clock(Duration.ofNanos(now - startNanos));
            if (inPlace) {
                out.print("\r" + line + "\u001b[K\n");
            } else {
                out.println(line);
            }
            out.flush();
        }
    }
}
