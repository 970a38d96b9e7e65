/**
 * Benchmarks that measure evomerge as a user runs it, apart from the product path; {@code cli}'s {@code bench}
 * commands only parse options and call them: {@link dev.evomerge.bench.MergeBenchmark} (merge GB/s against a plain
 * copy), {@link dev.evomerge.bench.ModelBenchmark} (DJL scoring tokens/s and MFU against the matmul ceiling),
 * {@link dev.evomerge.bench.ClusterBenchmark} (workers' speed-up on a fake evaluator) and {@link
 * dev.evomerge.bench.ScaleBenchmark} (memory per parameter and scoring speed on real-size synthetic checkpoints).
 * Each reports ratios or per-parameter figures against baselines measured in the same run; see docs/memory.md and
 * docs/architecture.md.
 */
package dev.evomerge.bench;
