package dev.evomerge.cli;

import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.FileSystemException;
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
        String full = diskFull(ex);
        if (full != null) {
            cl.getErr().println("evomerge: " + full);
            return UserError.EXIT_CODE;
        }
        cl.getErr().println("evomerge: internal error: " + ex
                + (debug ? "" : " (run with EVOMERGE_DEBUG=1 for the stack trace)"));
        return EXIT_INTERNAL;
    }

    /**
     * A full disk (or exhausted quota) is the user's to fix wherever the write happened, so every write site maps to
     * one line here: the outermost message that says what was being written (or the failing file), then the cause.
     * Null when {@code ex} is not caused by a full disk.
     */
    static String diskFull(Throwable ex) {
        String reason = null;
        for (Throwable t = ex; t != null && reason == null; t = t.getCause()) {
            String m = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
            if (t instanceof IOException && m != null) {
                if (m.contains("No space left on device")) {
                    reason = "no space left on device";
                } else if (m.contains("Disk quota exceeded")) {
                    reason = "disk quota exceeded";
                }
            }
        }
        if (reason == null) {
            return null;
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException f && f.getFile() != null) {
                return "cannot write " + f.getFile() + ": " + reason;
            }
            String m = t.getMessage();
            boolean ownWords = m != null && !m.contains(reason) && !m.contains("No space left on device")
                    && !m.contains("Disk quota exceeded") && (t.getCause() == null || !m.equals(t.getCause().toString()));
            if (ownWords) {
                return m + ": " + reason;
            }
        }
        return "a write failed: " + reason;
    }
}
