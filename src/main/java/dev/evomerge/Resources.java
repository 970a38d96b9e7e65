package dev.evomerge;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Refuses work that cannot fit before it allocates: an absurd size in an input file (a suite's {@code max_tokens},
 * a config's dimensions, a search space's repeats) must end in one line naming the field, never in an
 * {@link OutOfMemoryError} halfway through a run.
 */
public final class Resources {
    private Resources() {
    }

    /** The JVM's heap limit (-Xmx). */
    public static long heapBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /** Physical memory of the machine, or the heap limit where the platform does not say. */
    public static long physicalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return total;
            }
        }
        return heapBytes();
    }

    /**
     * Throws {@link UserError} "{@code what} needs about N GB of heap, more than this JVM's M GB" when
     * {@code bytes} (an estimate; negative means it overflowed a long) exceeds the heap limit.
     */
    public static void requireHeap(String what, long bytes) {
        if (bytes < 0 || bytes > heapBytes()) {
            throw new UserError(what + " needs about " + size(bytes) + " of memory, more than this JVM's "
                    + size(heapBytes()) + " heap (-Xmx)");
        }
    }

    /** As {@link #requireHeap} for native memory, against the machine's physical memory. */
    public static void requirePhysical(String what, long bytes) {
        if (bytes < 0 || bytes > physicalBytes()) {
            throw new UserError(what + " needs about " + size(bytes) + " of memory, more than this machine's "
                    + size(physicalBytes()));
        }
    }

    /** {@code a × b × ...}, or -1 when the product overflows a long. */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f < 0) {
                return -1;
            }
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return p;
    }

    static String size(long bytes) {
        if (bytes < 0) {
            return "more than 8 EB";
        }
        double gb = bytes / 1e9;
        return gb >= 1 ? String.format(Locale.ROOT, "%.1f GB", gb) : String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }
}
