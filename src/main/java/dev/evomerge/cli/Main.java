package dev.evomerge.cli;

import dev.evomerge.Resources;
import dev.evomerge.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: one picocli command per capability; commands stay thin and call the packages. */
@Command(name = "evomerge", mixinStandardHelpOptions = true, version = "evomerge 0.1.0",
        description = "Finds and ships good LLM merge recipes.",
        subcommands = {MergeCommand.class, EvalCommand.class, GateCommand.class, SearchCommand.class,
                SweepCommand.class, RunsCommand.class, ExportCommand.class, DemoCommand.class, BenchCommand.class, ZooCommand.class,
                WorkerCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new UserErrorHandler());
        cl.setParameterExceptionHandler(UserErrorHandler::usage);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(execute(commandLine(), args));
    }

    /**
     * Runs {@code cl}; an {@link OutOfMemoryError} that slipped past the checks before allocation (see
     * {@link dev.evomerge.Resources}) still ends in one line, since it is almost always an input too large.
     */
    static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            cl.getErr().println("evomerge: out of memory (" + e.getMessage() + "): the inputs need more than this JVM's "
                    + Resources.heapBytes() / (1 << 20) + " MB heap; shrink them or raise -Xmx"
                    + " (EVOMERGE_JAVA_OPTS)");
            cl.getErr().flush();
            return UserError.EXIT_CODE;
        }
    }
}
