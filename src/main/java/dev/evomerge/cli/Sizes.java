package dev.evomerge.cli;

import dev.evomerge.UserError;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as users write them: mergekit's K/M/B (decimal), and KB/MB/GB or KiB/MiB/GiB. */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

    private Sizes() {
    }

    static long parse(String option, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UserError(option + ": cannot read size '" + text + "' (examples: 500M, 5B, 2GiB)");
        }
        double factor = switch (m.group(2)) {
            case "", "b" -> m.group(2).isEmpty() ? 1 : 1e9;
            case "k", "kb" -> 1e3;
            case "m", "mb" -> 1e6;
            case "g", "gb" -> 1e9;
            case "kib" -> 1024.0;
            case "mib" -> 1024.0 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            default -> throw new UserError(option + ": unknown size unit '" + m.group(2)
                    + "' in '" + text + "' (use K, M, B as mergekit does, or KB/MB/GB, KiB/MiB/GiB)");
        };
        double bytes = Double.parseDouble(m.group(1)) * factor;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new UserError(option + ": size '" + text + "' is out of range");
        }
        return (long) bytes;
    }
}
