package dev.evomerge.cli;

import dev.evomerge.bench.ClusterBenchmark;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomerge bench cluster}: cluster-backend throughput on loopback, 1 worker as the baseline. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Throughput of the cluster backend with loopback workers and a fake evaluator that sleeps, as a "
                + "ratio to the first worker count measured in the same run, and the backend's cost per candidate "
                + "(wall - N*S/workers)/N.")
final class BenchClusterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--workers", split = ",", defaultValue = "1,2",
            description = "worker counts to measure, the first is the baseline (default: ${DEFAULT-VALUE})")
    List<Integer> workers;

    @Option(names = "--candidates", defaultValue = "200", description = "candidates per measurement")
    int candidates;

    @Option(names = "--sleep-ms", defaultValue = "50", description = "evaluation time of the fake evaluator")
    long sleepMs;

    @Override
    public Integer call() {
        if (candidates < 1 || sleepMs < 0 || workers.isEmpty() || workers.stream().anyMatch(w -> w < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--candidates and every --workers count must be at least 1, --sleep-ms at least 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "evomerge bench cluster — %s, %d cores, %d candidates x %d ms, loopback%n",
                java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(), candidates, sleepMs);
        out.println("| workers | wall s | candidates/s | vs first | ideal | overhead ms/candidate |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        List<ClusterBenchmark.Timing> results = new ArrayList<>();
        for (int w : workers) {
            var r = ClusterBenchmark.run(w, candidates, sleepMs);
            results.add(r);
            var first = results.getFirst();
            out.printf(Locale.ROOT, "| %d | %.2f | %.1f | %.2fx | %.2fx | %.2f |%n", w, r.seconds(),
                    r.candidatesPerSecond(), r.candidatesPerSecond() / first.candidatesPerSecond(),
                    w / (double) first.workers(), r.overheadMillis());
            out.flush();
        }
        return 0;
    }
}
