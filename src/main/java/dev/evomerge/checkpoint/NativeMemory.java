package dev.evomerge.checkpoint;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives memory that native code freed back to the operating system. Weights (a few hundred MB to several GB) are
 * freed through glibc's {@code free}, which keeps chunks below its mmap threshold in its arenas: after a model is
 * closed the process can keep gigabytes it no longer uses (measured: 2.3 GB after closing a 0.54B model), and the next
 * model then adds to them. {@code malloc_trim(0)} returns those pages; elsewhere (no glibc) this does nothing.
 */
public final class NativeMemory {
    private static final MethodHandle MALLOC_TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(f -> Linker.nativeLinker().downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
            .orElse(null);

    private NativeMemory() {
    }

    /** Returns freed heap pages to the OS (a few milliseconds); call after freeing large native allocations. */
    public static void releaseFreed() {
        if (MALLOC_TRIM == null) {
            return;
        }
        try {
            int ignored = (int) MALLOC_TRIM.invokeExact(0L);
        } catch (Throwable t) {
            throw new IllegalStateException("malloc_trim failed", t);
        }
    }
}
