package dev.evomerge.merge.methods;

import java.util.Objects;
import java.util.concurrent.ForkJoinPool;

/**
 * Where and how a merge runs: the pool that parallelises work within one tensor, and whether the Vector API
 * kernels are used. Neither changes a result: work is cut into fixed-size blocks and every floating-point
 * reduction is combined in block order, so one thread, many threads, SIMD and scalar give bit-identical output.
 *
 * @param pool the pool to run blocks on (its parallelism bounds the threads used)
 * @param simd whether to use the {@code jdk.incubator.vector} kernels (otherwise their scalar twins)
 */
public record Execution(ForkJoinPool pool, boolean simd) {
    /** System property that forces the scalar kernels when set to {@code false}. */
    public static final String SIMD_PROPERTY = "evomerge.simd";

    public Execution {
        Objects.requireNonNull(pool, "pool");
    }

    /** The common pool, SIMD unless {@code -Devomerge.simd=false}. */
    public static Execution defaults() {
        return new Execution(ForkJoinPool.commonPool(), simdFromProperty());
    }

    /** The given pool, SIMD unless {@code -Devomerge.simd=false}. */
    public static Execution on(ForkJoinPool pool) {
        return new Execution(pool, simdFromProperty());
    }

    /** Whether {@value #SIMD_PROPERTY} leaves the Vector API kernels on (the default). */
    public static boolean simdFromProperty() {
        return !"false".equalsIgnoreCase(System.getProperty(SIMD_PROPERTY, "true").trim());
    }
}
