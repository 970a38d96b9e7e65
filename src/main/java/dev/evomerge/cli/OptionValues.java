package dev.evomerge.cli;

import java.nio.file.Path;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one rule for option values in every command: a bad value is a usage error ({@link CommandLine.ParameterException},
 * exit 2) of one line naming the option and the value as typed, raised before any file is read.
 */
final class OptionValues {
    /** More threads than this is a typo, not a machine: refused rather than exhausting native threads. */
    static final int MAX_THREADS = 1024;

    private OptionValues() {
    }

    static void atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw bad(spec, option, value, "at least " + min);
        }
    }

    /** {@code 0} (all processors) to {@link #MAX_THREADS}. */
    static void threads(CommandSpec spec, String option, int value) {
        if (value < 0 || value > MAX_THREADS) {
            throw bad(spec, option, value, "between 0 (all processors) and " + MAX_THREADS);
        }
    }

    /** A finite number of at least {@code min}; null (not given) passes. */
    static void finiteAtLeast(CommandSpec spec, String option, Double value, double min) {
        if (value != null && !(Double.isFinite(value) && value >= min)) {
            throw bad(spec, option, value, "a finite number of at least " + (long) min);
        }
    }

    /** A fraction in (0, 1]. */
    static void fraction(CommandSpec spec, String option, double value) {
        if (!(value > 0 && value <= 1)) {
            throw bad(spec, option, value, "in (0, 1]");
        }
    }

    /** A run id names one directory inside the runs directory: not empty, no separator, not '.' or '..'. */
    static void runId(CommandSpec spec, String option, String value) {
        if (value != null && (value.isBlank() || value.contains("/") || value.contains("\\") || value.equals(".")
                || value.equals("..") || value.indexOf('\0') >= 0)) {
            throw bad(spec, option, value, "a plain directory name (not empty, no '/', '\\', '.' or '..')");
        }
    }

    /**
     * A run's directory: {@code value} with a path separator is the directory itself ({@code results/<id>}, as
     * printed at the start of a run); a plain name is a run id under {@code out}.
     */
    static Path runDirectory(CommandSpec spec, String option, String value, Path out) {
        if (value.contains("/") || value.contains("\\")) {
            Path p = Path.of(value).toAbsolutePath().normalize();
            if (p.getFileName() == null || p.getParent() == null) {
                throw bad(spec, option, value, "a run directory (results/<run-id>) or a run id");
            }
            return p;
        }
        runId(spec, option, value);
        return out.resolve(value);
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(?:\\d+[dhms])+");
    private static final java.util.regex.Pattern DURATION_PART = java.util.regex.Pattern.compile("(\\d+)([dhms])");

    /**
     * A wall-clock duration as people write one, in whole seconds: numbers with units d, h, m, s, e.g. {@code 30m},
     * {@code 2h}, {@code 1h30m}, {@code 90s}; null (not given) is 0. A bare number is refused: minutes or seconds?
     */
    static long seconds(CommandSpec spec, String option, String value) {
        if (value == null) {
            return 0;
        }
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!DURATION.matcher(v).matches()) {
            throw bad(spec, option, value, "a duration such as 90s, 30m, 2h or 1h30m");
        }
        long total = 0;
        java.util.regex.Matcher m = DURATION_PART.matcher(v);
        try {
            while (m.find()) {
                long unit = switch (m.group(2)) {
                    case "d" -> 86_400;
                    case "h" -> 3_600;
                    case "m" -> 60;
                    default -> 1;
                };
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(m.group(1)), unit));
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw bad(spec, option, value, "a duration of at most " + Long.MAX_VALUE / 1_000_000_000L + " s");
        }
        if (total == 0 || total > Long.MAX_VALUE / 1_000_000_000L) {
            throw bad(spec, option, value, total == 0 ? "longer than 0 s"
                    : "a duration of at most " + Long.MAX_VALUE / 1_000_000_000L + " s");
        }
        return total;
    }

    private static CommandLine.ParameterException bad(CommandSpec spec, String option, Object value, String rule) {
        return new CommandLine.ParameterException(spec.commandLine(), option + " must be " + rule + ", but was '"
                + typed(spec, option, value) + "'");
    }

    /** The value as the user typed it (so -1 is not echoed as -1.0), or the default's value. */
    private static String typed(CommandSpec spec, String option, Object value) {
        CommandLine.Model.OptionSpec o = spec.findOption(option);
        if (o != null && !o.originalStringValues().isEmpty()) {
            return o.originalStringValues().getLast();
        }
        return String.valueOf(value);
    }
}
