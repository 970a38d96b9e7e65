package dev.evomerge.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs a command the way Main does (same exception handler) and captures its output and exit code. */
public record CommandRun(int exit, String out, String err) {
    /** {@code evomerge ARGS} through Main's command line. */
    public static CommandRun main(String... args) {
        return capture(Main.commandLine(), args);
    }

    static CommandRun of(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler(new UserErrorHandler());
        return capture(cl, args);
    }

    private static CommandRun capture(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new CommandRun(exit, out.toString(), err.toString());
    }
}
