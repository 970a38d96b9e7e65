package dev.evomerge.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.evomerge.UserError;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An evaluation worker: an embedded Hazelcast member that advertises its slots (one per GPU, or one on CPU) as the
 * member attribute {@value #SLOTS} and runs candidates on an executor of that many threads. The coordinator, a
 * Hazelcast client, decides which candidate goes to which member; the member only evaluates.
 */
public final class Worker implements AutoCloseable {
    public static final String SLOTS = "evomerge.slots";
    public static final String EXECUTOR = "evomerge-candidates";
    public static final String DEFAULT_CLUSTER = "evomerge";

    /**
     * @param clusterName     Hazelcast cluster name (members and the coordinator must agree)
     * @param host            the address to bind and advertise, or null for Hazelcast's choice
     * @param port            member port
     * @param join            other members' HOST:PORT for TCP-IP discovery (empty: this member starts the cluster)
     * @param models          directories searched for sources by content hash
     * @param gpus            GPU ids; one slot each (empty: one CPU slot)
     * @param threads         CPU threads for merging, divided among the slots for inference
     * @param hazelcastConfig a Hazelcast member config file (XML or YAML) for other discovery (multicast, Kubernetes,
     *                        cloud), or null; port, host and join are then the file's
     */
    public record Options(String clusterName, String host, int port, List<String> join, List<Path> models,
                          List<Integer> gpus, int threads, Path hazelcastConfig) {
        public Options {
            Objects.requireNonNull(clusterName, "clusterName");
            join = List.copyOf(join);
            models = List.copyOf(models);
            gpus = List.copyOf(gpus);
            if (port < 1 || port > 65535) {
                throw new UserError("port must be in 1..65535, but was " + port);
            }
            if (threads < 1) {
                throw new UserError("threads must be at least 1, but was " + threads);
            }
            for (int id : gpus) {
                if (id < 0) {
                    throw new UserError("gpus takes GPU indices from 0, but was given " + id);
                }
            }
            join.forEach(a -> ClusterAddresses.parse(a, "join"));
        }

        int slots() {
            return gpus.isEmpty() ? 1 : gpus.size();
        }

        /** Slot i's GPU, from {@code gpus}; empty for one slot on the runtime's own device. */
        List<ComputeDevice> slotDevices() {
            return gpus.stream().map(ComputeDevice::gpu).toList();
        }
    }

    private final HazelcastInstance member;
    private final WorkerState state;
    private final int slots;

    private Worker(HazelcastInstance member, WorkerState state, int slots) {
        this.member = member;
        this.state = state;
        this.slots = slots;
    }

    /** Starts a worker with the real evaluators on the CPU (tests and benchmarks). */
    public static Worker start(Options o) {
        return start(o, RuntimeOptions.defaults());
    }

    /**
     * Starts a worker with the real evaluators: slot i's model on CUDA GPU {@code o.gpus().get(i)}, or with no GPUs
     * one slot on {@code runtime}'s device, in {@code runtime}'s precision. The caller has checked the GPUs exist.
     */
    public static Worker start(Options o, RuntimeOptions runtime) {
        return start(o, RunOpener.real(o.models(), o.threads(), runtime, o.slotDevices()));
    }

    /** Starts a worker whose runs {@code opener} opens (benchmarks and tests plug fake evaluators in here). */
    public static Worker start(Options o, RunOpener opener) {
        Config config = config(o);
        String name = o.host() != null ? o.host() + ":" + o.port() : "port " + o.port();
        WorkerState state = new WorkerState(name, o.slots(), opener);
        ConcurrentMap<String, Object> context = new ConcurrentHashMap<>();
        context.put(WorkerState.KEY, state);
        config.setUserContext(context);
        HazelcastInstance hz;
        try {
            hz = Hazelcast.newHazelcastInstance(config);
        } catch (RuntimeException e) {
            throw new UserError("cannot start the worker on port " + o.port() + ": " + e.getMessage(), e);
        }
        Worker w = new Worker(hz, state, o.slots());
        state.named(w.address());
        return w;
    }

    private static Config config(Options o) {
        Config c;
        if (o.hazelcastConfig() != null) {
            try {
                c = Config.loadFromFile(o.hazelcastConfig().toFile());
            } catch (IOException | RuntimeException e) {
                throw new UserError("cannot read the Hazelcast config " + o.hazelcastConfig() + ": " + e.getMessage(),
                        e);
            }
        } else {
            c = new Config();
            c.setClusterName(o.clusterName());
            NetworkConfig n = c.getNetworkConfig();
            n.setPort(o.port()).setPortAutoIncrement(false);
            if (o.host() != null) {
                n.getInterfaces().setEnabled(true).addInterface(o.host());
                n.setPublicAddress(o.host() + ":" + o.port());
                c.setProperty("hazelcast.socket.bind.any", "false");
            }
            JoinConfig j = n.getJoin();
            j.getMulticastConfig().setEnabled(false);
            j.getAutoDetectionConfig().setEnabled(false);
            j.getTcpIpConfig().setEnabled(true).setMembers(o.join());
        }
        quiet(c);
        c.getMemberAttributeConfig().setAttribute(SLOTS, Integer.toString(o.slots()));
        c.getExecutorConfig(EXECUTOR).setPoolSize(o.slots());
        return c;
    }

    /** No phone-home (workers often run offline), our own one-line logging, quick detection of a dead member. */
    static void quiet(Config c) {
        if (System.getProperty("hazelcast.logging.type") == null) {
            System.setProperty("hazelcast.logging.type", System.getenv("EVOMERGE_DEBUG") != null ? "jdk" : "none");
        }
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", System.getenv("EVOMERGE_DEBUG") != null ? "jdk" : "none");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        c.setProperty("hazelcast.shutdownhook.policy", "GRACEFUL");
    }

    /** This member's address as other members and the coordinator reach it. */
    public String address() {
        var a = member.getCluster().getLocalMember().getAddress();
        return a.getHost() + ":" + a.getPort();
    }

    public int slots() {
        return slots;
    }

    public int clusterSize() {
        return member.getCluster().getMembers().size();
    }

    public String clusterName() {
        return member.getConfig().getClusterName();
    }

    /** Blocks until the member shuts down (the worker command runs until killed). */
    public void awaitShutdown() throws InterruptedException {
        while (member.getLifecycleService().isRunning()) {
            Thread.sleep(500);
        }
    }

    /** Leaves the cluster gracefully. */
    @Override
    public void close() {
        if (member.getLifecycleService().isRunning()) {
            member.shutdown();
        }
        state.close();
    }

    /** Dies without a goodbye, as a crashed machine would (tests and benchmarks). */
    public void kill() {
        member.getLifecycleService().terminate();
        state.close();
    }
}
