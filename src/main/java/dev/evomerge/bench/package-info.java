/**
 * Benchmarks that measure evomerge as a user runs it, apart from the product path: {@link
 * dev.evomerge.bench.ScaleBenchmark} (memory per parameter and scoring speed on real-size synthetic checkpoints).
 * Each reports ratios or per-parameter figures against baselines measured in the same run; see docs/memory.md and
 * docs/architecture.md.
 */
package dev.evomerge.bench;
