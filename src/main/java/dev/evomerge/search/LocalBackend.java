package dev.evomerge.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The embedded backend: {@code workers} threads of this process, each with its own {@link CandidateEvaluator} (its
 * own runtime model) from {@code factory}. The evaluators are created on the first batch, so resuming a finished run
 * loads no model.
 */
public final class LocalBackend implements EvaluationBackend {
    private final SearchSpace space;
    private final CandidateEvaluator.Factory factory;
    private final int workers;
    private final BlockingQueue<CandidateEvaluator> pool;
    private ExecutorService executor;

    public LocalBackend(SearchSpace space, CandidateEvaluator.Factory factory, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, but was " + workers);
        }
        this.space = Objects.requireNonNull(space, "space");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.workers = workers;
        this.pool = new ArrayBlockingQueue<>(workers);
    }

    @Override
    public void evaluate(Batch batch, Sink sink) {
        if (batch.genomes().isEmpty()) {
            return;
        }
        if (executor == null) {
            executor = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "evomerge-worker");
                t.setDaemon(true);
                return t;
            });
            for (int w = 0; w < workers; w++) {
                pool.add(factory.create(w, workers));
            }
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < batch.genomes().size(); i++) {
            int index = i;
            Genome g = batch.genomes().get(i);
            futures.add(executor.submit(() -> {
                CandidateEvaluator ev = pool.take();
                try {
                    sink.finished(index, EvaluationBackend.evaluateOne(space, ev, g, batch.pruneBelow()));
                } finally {
                    pool.add(ev);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while evaluating candidates", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public String describe() {
        return "local (" + workers + (workers == 1 ? " worker)" : " workers)");
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
        for (CandidateEvaluator e : pool) {
            e.close();
        }
        pool.clear();
    }
}
