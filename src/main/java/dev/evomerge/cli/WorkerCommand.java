package dev.evomerge.cli;

import dev.evomerge.cluster.Worker;
import dev.evomerge.model.RuntimeOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = "--threads", defaultValue = "0",
            description = "CPU threads for merging, divided among the slots for inference (default: all).")
    int threads;

    @Option(names = "--cluster-name", defaultValue = "evomerge",
            description = "Cluster name; the coordinator's --cluster-name must match (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--hazelcast-config", paramLabel = "FILE",
            description = "A Hazelcast member config (XML/YAML) for other discovery: multicast, Kubernetes, cloud. "
                    + "--port, --host and --join are then the file's.")
    Path hazelcastConfig;

    @Override
    public Integer call() throws Exception {
        OptionValues.threads(spec, "--threads", threads);
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
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
