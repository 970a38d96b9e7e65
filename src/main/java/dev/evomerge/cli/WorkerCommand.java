package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.cluster.ClusterAddresses;
import dev.evomerge.cluster.Worker;
import dev.evomerge.model.RuntimeOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code evomerge worker}: one evaluation worker of a cluster (an embedded Hazelcast member), until killed. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Starts an evaluation worker for 'evomerge search --cluster': a Hazelcast member that "
                + "evaluates candidates, one at a time per GPU (or one on CPU), and keeps each run's source models "
                + "mapped between candidates. Runs until killed. See docs/cluster.md."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:shut down", "2:usage error", "3:bad input", "4:internal error"})
public final class WorkerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    DeviceOptions device;

    @Option(names = "--port", defaultValue = "5701", description = "Member port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address to bind and advertise (e.g. 127.0.0.1, or this machine's LAN address).")
    String host;

    @Option(names = "--join", split = ",", paramLabel = "HOST:PORT",
            description = "Other workers to join (TCP-IP discovery); none: this worker starts the cluster.")
    List<String> join;

    @Option(names = "--models", arity = "1..*", paramLabel = "DIR",
            description = "Directories searched for a source by content hash when it is not at the coordinator's "
                    + "path.")
    List<Path> models;

    @Option(names = "--gpus", split = ",", paramLabel = "ID",
            description = "CUDA GPU ids, one slot (candidate at a time) each, its model on that GPU (default: one "
                    + "slot on --device).")
    List<Integer> gpus;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Option(names = "--cluster-name", defaultValue = "evomerge",
            description = "Cluster name; the coordinator's --cluster-name must match (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--hazelcast-config", paramLabel = "FILE",
            description = "A Hazelcast member config (XML/YAML) for other discovery: multicast, Kubernetes, cloud. "
                    + "--port, --host and --join are then the file's.")
    Path hazelcastConfig;

    /** Bad --port, --gpus or --join values are usage errors (exit 2), like every other bad flag value. */
    private void checkAddresses() {
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be in 1..65535, but was " + port);
        }
        for (int id : gpus == null ? List.<Integer>of() : gpus) {
            if (id < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--gpus takes GPU indices from 0, but was given " + id);
            }
        }
        for (String a : join == null ? List.<String>of() : join) {
            try {
                ClusterAddresses.parse(a, "--join");
            } catch (UserError e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        threadsOption.check(spec);
        checkAddresses();
        int n = threadsOption.resolved();
        var options = new Worker.Options(clusterName, host, port, join == null ? List.of() : join,
                models == null ? List.of() : models, gpus == null ? List.of() : gpus, n, hazelcastConfig);
        RuntimeOptions runtime = device.workerRuntime(RuntimeOptions.defaults(), options.gpus(), spec,
                spec.commandLine().getErr());
        try (var worker = Worker.start(options, runtime)) {
            var out = spec.commandLine().getOut();
            out.println("evomerge worker ready: " + worker.address() + " in cluster '" + worker.clusterName() + "' ("
                    + worker.clusterSize() + (worker.clusterSize() == 1 ? " member), " : " members), ")
                    + worker.slots() + (worker.slots() == 1 ? " slot" : " slots")
                    + (gpus == null || gpus.isEmpty() ? " (" + runtime.device() + ", " + runtime.precision() + ")"
                            : " (GPUs " + gpus + ", " + runtime.precision() + ")")
                    + (models == null ? "" : ", models under " + models));
            out.flush();
            worker.awaitShutdown();
        }
        return 0;
    }
}
