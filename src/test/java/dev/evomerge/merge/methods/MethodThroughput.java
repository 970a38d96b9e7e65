package dev.evomerge.merge.methods;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Throwaway throughput check, not a test: per method, GB/s of source bytes (base + 3 models, float32) against a
 * plain System.arraycopy of the same bytes, in the same process. Run with
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.evomerge.merge.methods.MethodThroughput [elements] [threads]}.
 */
public final class MethodThroughput {
    private MethodThroughput() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 64 << 20;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        boolean simd = Execution.simdFromProperty();
        ForkJoinPool pool = new ForkJoinPool(threads);
        Execution ex = new Execution(pool, simd);
        float[] base = Fixtures.random(1, n, 0.02);
        float[][] xs = {Fixtures.plus(base, Fixtures.random(2, n, 1e-3)),
            Fixtures.plus(base, Fixtures.random(3, n, 1e-3)), Fixtures.plus(base, Fixtures.random(4, n, 1e-3))};
        float[] out = new float[n];
        float[][] sinks = {new float[n], new float[n], new float[n], new float[n]};
        double sourceBytes = 4.0 * n * Float.BYTES;
        double copy = best(() -> {
            System.arraycopy(base, 0, sinks[0], 0, n);
            for (int j = 0; j < 3; j++) {
                System.arraycopy(xs[j], 0, sinks[j + 1], 0, n);
            }
        });
        System.out.printf("n=%d threads=%d simd=%s lanes=%d%n", n, threads, simd, Kernels.FS.length());
        System.out.printf("%-18s %8.3f s %7.2f GB/s%n", "arraycopy", copy, sourceBytes / copy / 1e9);
        long[] shape = {n / 4096, 4096};
        for (String name : List.of("linear", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
                "della", "slerp", "nuslerp", "model_stock", "passthrough")) {
            TensorInput in = input(name, shape, base, xs);
            MergeMethod m = MergeMethods.get(name);
            double s = best(() -> m.merge(in, out, ex));
            System.out.printf("%-18s %8.3f s %7.2f GB/s  %.2f x copy%n", name, s, sourceBytes / s / 1e9, copy / s);
        }
        pool.shutdown();
    }

    private static TensorInput input(String name, long[] shape, float[] base, float[][] xs) {
        Map<String, Double> global = new HashMap<>();
        MergeMethod m = MergeMethods.get(name);
        switch (name) {
            case "slerp" -> {
                global.put("t", 0.4);
                return new TensorInput(name, shape, base, new float[][] {xs[0]}, List.of(Map.of()), global, 1);
            }
            case "nuslerp" -> {
                return new TensorInput(name, shape, base, new float[][] {xs[0], xs[1]},
                        List.of(Map.of("weight", 0.4), Map.of("weight", 0.6)), global, 1);
            }
            case "passthrough" -> {
                return new TensorInput(name, shape, null, new float[][] {xs[0]}, List.of(Map.of("scale", 0.5)),
                        global, 1);
            }
            case "model_stock" -> {
                return new TensorInput(name, shape, base, xs, List.of(Map.of(), Map.of(), Map.of()), global, 1);
            }
            case "linear" -> {
                float[][] all = {base, xs[0], xs[1], xs[2]};
                return new TensorInput(name, shape, null, all, List.of(Map.of("weight", 0.1), Map.of("weight", 0.3),
                        Map.of("weight", 0.3), Map.of("weight", 0.3)), global, 1);
            }
            default -> {
                Map<String, Double> p = new HashMap<>(Map.of("weight", 0.4));
                if (!name.equals("task_arithmetic")) {
                    p.put("density", 0.5);
                }
                return new TensorInput(name, shape, base, xs, List.of(p, p, p), global, 1);
            }
        }
    }

    private static double best(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
