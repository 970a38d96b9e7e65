package dev.evomerge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Parent of the benchmarks; each reports ratios against a baseline measured in the same process. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (ratios against a baseline measured in the same run).",
        subcommands = {BenchMergeCommand.class, BenchModelCommand.class, BenchClusterCommand.class,
            BenchScaleCommand.class, BenchDeviceCommand.class, BenchLoraCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
