package dev.evomerge.io;

import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one hash evomerge names files, models, suites and runs by. */
public final class Sha256 {
    private Sha256() {
    }

    /** A fresh digest (every JDK has SHA-256). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Lower-case hex of the SHA-256 of {@code bytes}. */
    public static String of(byte[] bytes) {
        return hex(digest().digest(bytes));
    }

    /** Lower-case hex of the SHA-256 of a file's bytes; an unreadable file is a {@link UserError}. */
    public static String ofFile(Path file) {
        try {
            return of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Lower-case hex of what {@code digest} has seen; the digest is reset. */
    public static String hex(MessageDigest digest) {
        return hex(digest.digest());
    }

    /** Lower-case hex of a finished hash. */
    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }
}
