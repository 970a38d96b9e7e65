package dev.evomerge.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.evomerge.UserError;
import dev.evomerge.search.EvaluationBackend;
import dev.evomerge.search.RunContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The coordinator's side of a cluster: a Hazelcast client that runs each candidate on a worker member with a free
 * slot (Hazelcast's {@link IExecutorService#submitToMember}), and runs a candidate again on another member when its
 * member leaves. Hazelcast neither schedules by GPU nor resubmits the tasks of a dead member; those two things are all
 * this class adds. Every candidate is reported once, from the thread that called {@code evaluate}, even if a lost
 * member had finished it: the journal sees each candidate exactly once.
 */
public final class ClusterBackend implements AutoCloseable {

    /**
     * @param addresses   members to connect to first (the client then finds the others)
     * @param clusterName the workers' cluster name
     * @param timeout     how long to wait for a reachable cluster, and for a worker when none is left
     */
    public record Settings(List<String> addresses, String clusterName, Duration timeout) {
        public Settings {
            addresses = List.copyOf(addresses);
            Objects.requireNonNull(clusterName, "clusterName");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
            }
        }
    }

    /** What the coordinator thread waits for: a result, a failure, or a change of members. */
    private sealed interface Event {
    }

    private record Done(int attempt, WorkerReply result) implements Event {
    }

    private record Failed(int attempt, Throwable cause) implements Event {
    }

    private record Left(UUID member) implements Event {
    }

    private record Joined() implements Event {
    }

    private record Attempt(int index, Member member) {
    }

    private static final Duration SUSPECT = Duration.ofSeconds(10);

    private final Settings settings;
    private final HazelcastInstance client;
    private final IExecutorService executor;
    private final PrintWriter log;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int resubmitted;

    private ClusterBackend(Settings settings, HazelcastInstance client, PrintWriter log) {
        this.settings = settings;
        this.client = client;
        this.executor = client.getExecutorService(Worker.EXECUTOR);
        this.log = log;
        client.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                events.add(new Joined());
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                events.add(new Left(e.getMember().getUuid()));
            }
        });
    }

    /**
     * Connects to the cluster and waits until it has a worker; a cluster that is not reachable, or has no worker,
     * within the timeout is a one-line {@link UserError}.
     */
    public static ClusterBackend connect(Settings s, PrintWriter log) {
        if (System.getProperty("hazelcast.logging.type") == null) {
            System.setProperty("hazelcast.logging.type", System.getenv("EVOMERGE_DEBUG") != null ? "jdk" : "none");
        }
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(s.clusterName());
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.getNetworkConfig().setAddresses(s.addresses());
        cc.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(s.timeout().toMillis());
        HazelcastInstance client;
        try {
            client = HazelcastClient.newHazelcastClient(cc);
        } catch (RuntimeException e) {
            throw new UserError("no evomerge cluster '" + s.clusterName() + "' answered at " + String.join(",",
                    s.addresses()) + " within " + s.timeout().toSeconds() + " s (start workers with "
                    + "'evomerge worker', and check the cluster's addresses and name)");
        }
        ClusterBackend b = new ClusterBackend(s, client, log);
        long deadline = System.nanoTime() + s.timeout().toNanos();
        while (b.slots() == 0) {
            if (System.nanoTime() > deadline) {
                b.close();
                throw new UserError("the cluster '" + s.clusterName() + "' at " + String.join(",", s.addresses())
                        + " has no evomerge worker (members without the '" + Worker.SLOTS + "' attribute)");
            }
            sleep(100);
        }
        return b;
    }

    /** The backend of one run: candidates go out with {@code context}, from which workers build their evaluators. */
    public EvaluationBackend forRun(RunContext context) {
        Objects.requireNonNull(context, "context");
        return new EvaluationBackend() {
            @Override
            public void evaluate(Batch batch, Sink sink) {
                ClusterBackend.this.evaluate(context, batch, sink);
            }

            @Override
            public String describe() {
                return ClusterBackend.this.describe();
            }

            @Override
            public void close() {
                // The connection belongs to the ClusterBackend, which may serve further runs.
            }
        };
    }

    /** Slots of all worker members now. */
    public int slots() {
        return client.getCluster().getMembers().stream().mapToInt(ClusterBackend::slots).sum();
    }

    /** Candidates run again because their member left, since this backend connected. */
    public int resubmitted() {
        return resubmitted;
    }

    public String describe() {
        long workers = client.getCluster().getMembers().stream().filter(m -> slots(m) > 0).count();
        return "cluster '" + settings.clusterName() + "' (" + workers + (workers == 1 ? " worker, " : " workers, ")
                + slots() + " slots)";
    }

    private static int slots(Member m) {
        String s = m.getAttribute(Worker.SLOTS);
        try {
            return s == null ? 0 : Math.max(0, Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void evaluate(RunContext context, EvaluationBackend.Batch batch, EvaluationBackend.Sink sink) {
        int n = batch.genomes().size();
        Deque<Integer> pending = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            pending.add(i);
        }
        Map<Integer, Attempt> inFlight = new HashMap<>();
        Map<UUID, Integer> load = new HashMap<>();
        Map<UUID, Long> suspects = new HashMap<>();
        boolean[] reported = new boolean[n];
        int done = 0;
        long idleSince = System.nanoTime();
        while (done < n) {
            long now = System.nanoTime();
            suspects.values().removeIf(until -> until < now);
            Member m;
            while (!pending.isEmpty() && (m = freeMember(load, suspects)) != null) {
                int index = pending.poll();
                int attempt = attempts.incrementAndGet();
                inFlight.put(attempt, new Attempt(index, m));
                load.merge(m.getUuid(), 1, Integer::sum);
                submit(new EvaluateTask(context, batch.genomes().get(index), batch.pruneBelow()), m, attempt);
            }
            if (!inFlight.isEmpty() || pending.isEmpty()) {
                idleSince = now;
            } else if (now - idleSince > settings.timeout().toNanos()) {
                throw new UserError("no evomerge worker left in the cluster '" + settings.clusterName() + "' for "
                        + settings.timeout().toSeconds() + " s; " + pending.size() + " candidates of generation "
                        + batch.generation() + " were not evaluated (resume the run when workers are back)");
            }
            Event e = take();
            switch (e) {
                case null -> {
                }
                case Joined j -> {
                }
                case Left left -> {
                    load.remove(left.member());
                    inFlight.entrySet().removeIf(a -> {
                        if (a.getValue().member().getUuid().equals(left.member())) {
                            requeue(a.getValue(), pending, "left the cluster");
                            return true;
                        }
                        return false;
                    });
                }
                case Done d -> {
                    Attempt a = inFlight.remove(d.attempt());
                    if (a == null) {
                        continue; // a late answer for a candidate already re-run elsewhere
                    }
                    load.merge(a.member().getUuid(), -1, Integer::sum);
                    WorkerReply r = d.result();
                    if (r.userError() != null) {
                        throw new UserError(r.userError());
                    }
                    if (r.internal() != null) {
                        throw new IllegalStateException("worker " + r.worker() + " failed on a candidate: "
                                + r.internal());
                    }
                    if (!reported[a.index()]) {
                        reported[a.index()] = true;
                        done++;
                        sink.finished(a.index(), r.outcome());
                    }
                }
                case Failed f -> {
                    Attempt a = inFlight.remove(f.attempt());
                    if (a == null) {
                        continue;
                    }
                    load.merge(a.member().getUuid(), -1, Integer::sum);
                    if (!client.getLifecycleService().isRunning()) {
                        throw new UserError("lost the connection to the cluster '" + settings.clusterName() + "'"
                                + " (resume the run when it is back)");
                    }
                    if (!lost(f.cause(), a.member())) {
                        throw new IllegalStateException("running a candidate on " + name(a.member()) + " failed: "
                                + unwrap(f.cause()), unwrap(f.cause()));
                    }
                    suspects.put(a.member().getUuid(), System.nanoTime() + SUSPECT.toNanos());
                    requeue(a, pending, "was lost (" + unwrap(f.cause()).getClass().getSimpleName() + ")");
                }
            }
        }
    }

    private void requeue(Attempt a, Deque<Integer> pending, String why) {
        pending.addFirst(a.index());
        resubmitted++;
        if (log != null) {
            log.println("evomerge: worker " + name(a.member()) + " " + why + "; its candidate runs on another worker");
            log.flush();
        }
    }

    private void submit(EvaluateTask task, Member member, int attempt) {
        try {
            executor.submitToMember(task, member, new ExecutionCallback<WorkerReply>() {
                @Override
                public void onResponse(WorkerReply response) {
                    events.add(new Done(attempt, response));
                }

                @Override
                public void onFailure(Throwable t) {
                    events.add(new Failed(attempt, t));
                }
            });
        } catch (RuntimeException e) {
            events.add(new Failed(attempt, e));
        }
    }

    /** The least loaded worker with a free slot that is not suspected dead; ties broken by id, for repeatability. */
    private Member freeMember(Map<UUID, Integer> load, Map<UUID, Long> suspects) {
        return client.getCluster().getMembers().stream()
                .filter(m -> slots(m) > 0 && !suspects.containsKey(m.getUuid())
                        && load.getOrDefault(m.getUuid(), 0) < slots(m))
                .min(Comparator.<Member>comparingDouble(m -> load.getOrDefault(m.getUuid(), 0) / (double) slots(m))
                        .thenComparing(m -> m.getUuid().toString()))
                .orElse(null);
    }

    /** Whether {@code t} means the member is gone (rather than the task failing on a live member). */
    private boolean lost(Throwable t, Member member) {
        Throwable c = unwrap(t);
        return c instanceof MemberLeftException || c instanceof TargetNotMemberException
                || c instanceof TargetDisconnectedException || c instanceof HazelcastInstanceNotActiveException
                || c instanceof IOException || !client.getCluster().getMembers().contains(member);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String name(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    private Event take() {
        try {
            return events.poll(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
