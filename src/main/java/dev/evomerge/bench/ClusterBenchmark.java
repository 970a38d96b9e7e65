package dev.evomerge.bench;

import dev.evomerge.cluster.ClusterBackend;
import dev.evomerge.cluster.RunOpener;
import dev.evomerge.merge.Sources;
import dev.evomerge.cluster.Worker;
import dev.evomerge.model.LayerPath;
import dev.evomerge.search.Candidate;
import dev.evomerge.search.CandidateEvaluator;
import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.EvaluationBackend;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunContext;
import dev.evomerge.search.SearchSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput of the cluster backend on loopback with a fake evaluator that only sleeps: what is left beyond
 * {@code candidates × sleep / workers} is the backend's cost per candidate (serialization, dispatch, result, the
 * coordinator's bookkeeping). Members run in this process, each with one slot, as separate Hazelcast members talking
 * over TCP.
 */
public final class ClusterBenchmark {
    private ClusterBenchmark() {
    }

    /** One configuration's measurement. */
    public record Timing(int workers, int candidates, long sleepMillis, double seconds) {
        public double candidatesPerSecond() {
            return candidates / seconds;
        }

        /** (wall − N·S/workers) / N: the backend's cost per candidate beyond the ideal sleep-bound time. */
        public double overheadMillis() {
            return (seconds * 1e3 - candidates * (double) sleepMillis / workers) / candidates;
        }
    }

    /** Starts {@code workers} loopback members, evaluates {@code candidates} sleeping candidates, stops them. */
    public static Timing run(int workers, int candidates, long sleepMillis) {
        String cluster = "evomerge-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<Worker> members = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        try {
            for (int w = 0; w < workers; w++) {
                int port = freePort();
                Worker worker = Worker.start(new Worker.Options(cluster, "127.0.0.1", port, List.copyOf(addresses),
                        List.of(), List.of(), 1, null), sleeping(sleepMillis));
                members.add(worker);
                addresses.add(worker.address());
            }
            try (ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(addresses, cluster,
                    Duration.ofSeconds(30)), null)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (backend.slots() < workers && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                EvaluationBackend run = backend.forRun(context());
                evaluate(run, 2 * workers, 0); // connections, class loading and the worker's run cache
                long t0 = System.nanoTime();
                evaluate(run, candidates, 1);
                return new Timing(workers, candidates, sleepMillis, (System.nanoTime() - t0) / 1e9);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            members.forEach(Worker::close);
        }
    }

    private static void evaluate(EvaluationBackend backend, int n, int generation) {
        List<Genome> genomes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            genomes.add(new Genome(new double[] {(i + 0.5) / n, generation / 2.0}));
        }
        AtomicInteger done = new AtomicInteger();
        backend.evaluate(new EvaluationBackend.Batch(generation, genomes, Double.NEGATIVE_INFINITY),
                (i, o) -> done.incrementAndGet());
        if (done.get() != n) {
            throw new IllegalStateException(done.get() + " of " + n + " candidates reported");
        }
    }

    /** A run context for the fake evaluator (it reads none of it; the key is all that matters). */
    public static RunContext context() {
        return new RunContext("/bench/space.yaml", "fake", "/bench/suite.yaml", "0".repeat(64),
                List.of(new RunContext.Source("a", "/bench/a", "0".repeat(64))), 1, 0, null, false, 16);
    }

    /** Evaluators that sleep {@code millis} and score a candidate by its first gene. */
    public static RunOpener sleeping(long millis) {
        SearchSpace space = new SearchSpace() {
            @Override
            public int dimension() {
                return 2;
            }

            @Override
            public List<String> geneNames() {
                return List.of("x", "y");
            }

            @Override
            public Candidate decode(Genome genome) {
                return new Candidate(null, LayerPath.identity(1), List.of(Double.toString(genome.gene(0))));
            }
        };
        return (context, worker, slots) -> new RunOpener.Opened() {
            @Override
            public SearchSpace space() {
                return space;
            }

            @Override
            public CandidateEvaluator.Factory evaluators() {
                return (w, n) -> new CandidateEvaluator() {
                    @Override
                    public Evaluation evaluate(Candidate candidate, double pruneBelow) {
                        try {
                            Thread.sleep(millis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        double x = Double.parseDouble(candidate.pathSources().getFirst());
                        return new Evaluation(CandidateStatus.EVALUATED, Map.of("x", x), x, null, 0, millis / 1e3);
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public void close() {
            }
        };
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
