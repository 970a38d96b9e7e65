package dev.evomerge.cluster;

import dev.evomerge.UserError;
import dev.evomerge.search.CandidateEvaluator;
import dev.evomerge.search.EvaluationBackend;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * A worker's runs: per run key, the opened sources and one evaluator per slot, kept between candidates so models stay
 * mapped. A run nobody is evaluating is closed when another run arrives (a worker serves one search at a time well,
 * several correctly).
 */
final class WorkerState implements AutoCloseable {
    static final String KEY = "evomerge.worker";

    private volatile String name;
    private final int slots;
    private final RunOpener opener;
    private final Map<String, Run> runs = new LinkedHashMap<>();

    WorkerState(String name, int slots, RunOpener opener) {
        this.name = name;
        this.slots = slots;
        this.opener = opener;
    }

    /** Names this worker in results and errors once its member address is known. */
    void named(String address) {
        this.name = address;
    }

    WorkerReply evaluate(RunContext context, Genome genome, double pruneBelow) {
        Run run = acquire(context);
        CandidateEvaluator ev = null;
        try {
            RunOpener.Opened opened = run.open(context);
            ev = run.take(opened);
            return WorkerReply.of(name, EvaluationBackend.evaluateOne(opened.space(), ev, genome, pruneBelow));
        } catch (UserError e) {
            return WorkerReply.userError(name, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return WorkerReply.internal(name, e);
        } catch (RuntimeException e) {
            return WorkerReply.internal(name, e);
        } finally {
            run.give(ev);
            release(run);
        }
    }

    private synchronized Run acquire(RunContext context) {
        String key = context.key();
        Run run = runs.computeIfAbsent(key, k -> new Run());
        run.users++;
        List<Run> idle = new ArrayList<>();
        for (Iterator<Map.Entry<String, Run>> it = runs.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Run> e = it.next();
            if (!e.getKey().equals(key) && e.getValue().users == 0) {
                idle.add(e.getValue());
                it.remove();
            }
        }
        idle.forEach(Run::close);
        return run;
    }

    private synchronized void release(Run run) {
        run.users--;
    }

    @Override
    public synchronized void close() {
        runs.values().forEach(Run::close);
        runs.clear();
    }

    /** One run on this worker; {@code users} is guarded by the state's lock. */
    private final class Run {
        private final Semaphore free = new Semaphore(slots);
        private final ConcurrentLinkedQueue<CandidateEvaluator> evaluators = new ConcurrentLinkedQueue<>();
        private int users;
        private int created;
        private RunOpener.Opened opened;
        private UserError failure;

        synchronized RunOpener.Opened open(RunContext context) {
            if (failure != null) {
                throw failure;
            }
            if (opened == null) {
                try {
                    opened = opener.open(context, name, slots);
                } catch (UserError e) {
                    failure = e;
                    throw e;
                }
            }
            return opened;
        }

        CandidateEvaluator take(RunOpener.Opened o) throws InterruptedException {
            free.acquire();
            CandidateEvaluator ev = evaluators.poll();
            if (ev == null) {
                int slot;
                synchronized (this) {
                    slot = created++;
                }
                try {
                    ev = o.evaluators().create(slot, slots);
                } catch (RuntimeException e) {
                    free.release();
                    throw e;
                }
            }
            return ev;
        }

        void give(CandidateEvaluator ev) {
            if (ev != null) {
                evaluators.add(ev);
                free.release();
            }
        }

        synchronized void close() {
            CandidateEvaluator ev;
            while ((ev = evaluators.poll()) != null) {
                ev.close();
            }
            if (opened != null) {
                opened.close();
                opened = null;
            }
        }
    }
}
