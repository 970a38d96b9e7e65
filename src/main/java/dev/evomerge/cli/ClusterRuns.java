package dev.evomerge.cli;

import dev.evomerge.cluster.ClusterAddresses;
import dev.evomerge.cluster.ClusterBackend;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.SearchRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code --cluster} path of search and sweep, kept in its own class so that a local run never loads the cluster
 * (Hazelcast) classes: only JDK and evomerge types cross its signatures.
 */
final class ClusterRuns {
    private ClusterRuns() {
    }

    static SearchRun.RunOutcome run(RunOptions o, Path runDir, boolean resume, PrintWriter err, String cluster,
                                 String clusterName, int timeoutSeconds, RuntimeOptions runtime) {
        List<String> addresses = ClusterAddresses.parse(cluster, "--cluster");
        try (ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(addresses, clusterName,
                Duration.ofSeconds(timeoutSeconds)), err)) {
            err.println("evomerge: connected to " + backend.describe() + " at " + String.join(",", addresses));
            err.flush();
            return SearchRun.run(o, runDir, resume, err, backend::forRun, runtime, Wiring.search());
        }
    }
}
