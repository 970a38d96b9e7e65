package dev.evomerge.cli;

import dev.evomerge.UserError;
import picocli.CommandLine;

/** Turns exceptions into one line on stderr and a documented exit code; stack traces only with EVOMERGE_DEBUG=1. */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int EXIT_INTERNAL = 4;

    /**
     * A usage error (bad option, bad option value): one line naming it and where the help is, exit 2; an unknown
     * option also gets picocli's suggestions.
     */
    static int usage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println("evomerge: " + ex.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName()
                + " --help')");
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, cl.getErr());
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean debug = System.getenv("EVOMERGE_DEBUG") != null;
        if (debug) {
            ex.printStackTrace(cl.getErr());
        }
        if (ex instanceof UserError) {
            cl.getErr().println("evomerge: " + ex.getMessage());
            return UserError.EXIT_CODE;
        }
        cl.getErr().println("evomerge: internal error: " + ex
                + (debug ? "" : " (run with EVOMERGE_DEBUG=1 for the stack trace)"));
        return EXIT_INTERNAL;
    }
}
