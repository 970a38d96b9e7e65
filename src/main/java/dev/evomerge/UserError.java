package dev.evomerge;

/**
 * A problem the user can fix: bad input file, unknown field, incompatible checkpoints. The message is one sentence
 * naming the file, tensor, field or value; the CLI prints it as a single line and exits with {@link #EXIT_CODE}.
 */
public class UserError extends RuntimeException {
    /** Exit code for bad input, documented in README. */
    public static final int EXIT_CODE = 3;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
