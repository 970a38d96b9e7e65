package dev.evomerge.search;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What {@code evomerge runs} says about one run directory, read from its files alone (the journal, {@code run.json}
 * and the run lock), so it can be read while a search writes the run.
 *
 * @param runId      the directory's name
 * @param dir        the run directory
 * @param status     see {@link Status}
 * @param holder     the process writing the run when it is running, else null
 * @param entries    the journaled candidates (complete lines; a torn last one is left out)
 * @param budget     the run's budget as its journal header records it (raised by a resume)
 * @param updated    when the journal or {@code run.json} was last written
 * @param stoppedBy  why the last finished search stopped ({@code budget}, {@code time_limit}, {@code strategy}), or
 *                   null when it has not finished
 * @param problem    why the journal could not be read ({@link Status#UNREADABLE}), else null
 */
public record RunSummary(String runId, Path dir, Status status, String holder, List<JournalEntry> entries, int budget,
                         Instant updated, String stoppedBy, String problem) {

    /**
     * {@code RUNNING}: a process holds the run's lock. {@code FINISHED}: {@code run.json} was written for every
     * journaled candidate (the search ended and, with gates, the finish ran). {@code INTERRUPTED}: neither (killed,
     * crashed, or stopped during the finish): {@code search --resume} continues it. {@code UNREADABLE}: the journal is
     * corrupt or of another format.
     */
    public enum Status {
        RUNNING, FINISHED, INTERRUPTED, UNREADABLE;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public RunSummary {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(status, "status");
        entries = List.copyOf(entries);
    }

    /** The best fully evaluated candidate, or null. */
    public JournalEntry best() {
        return SearchLoop.best(entries);
    }

    /** Whether {@code dir} holds a run (a journal). */
    public static boolean isRun(Path dir) {
        return Files.isRegularFile(dir.resolve(Journal.FILE));
    }

    /** The runs directly under {@code runsDir}, by run id; an unreadable journal is listed as such, not thrown. */
    public static List<RunSummary> list(Path runsDir) {
        if (!Files.isDirectory(runsDir)) {
            throw new UserError("no runs directory " + runsDir + " (searches write their runs under results/ unless "
                    + "told another runs directory)");
        }
        List<RunSummary> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(runsDir)) {
            for (Path d : dirs.filter(RunSummary::isRun).sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList()) {
                out.add(of(d));
            }
        } catch (IOException e) {
            throw new UserError("cannot list runs directory " + runsDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The run in {@code runDir}; a directory without a journal is a {@link UserError}. */
    public static RunSummary of(Path runDir) {
        if (!isRun(runDir)) {
            throw new UserError("no run at " + runDir + " (" + Journal.FILE + " not found)");
        }
        String id = runDir.getFileName().toString();
        Instant updated = modified(runDir.resolve(Journal.FILE));
        Path runJson = runDir.resolve(RunOutputs.RUN_JSON);
        if (Files.isRegularFile(runJson) && modified(runJson).isAfter(updated)) {
            updated = modified(runJson);
        }
        String holder = RunLock.holder(runDir).orElse(null);
        Journal.Contents contents;
        try {
            contents = Journal.read(runDir.resolve(Journal.FILE));
        } catch (UserError e) {
            return new RunSummary(id, runDir, holder != null ? Status.RUNNING : Status.UNREADABLE, holder, List.of(),
                    0, updated, null, e.getMessage());
        }
        List<JournalEntry> entries = contents.entries();
        int budget = contents.header().path("budget").asInt();
        JsonNode run = readRunJson(runJson);
        boolean finished = run != null && run.path("evaluations").asInt(-1) == entries.size();
        Status status = holder != null ? Status.RUNNING : finished ? Status.FINISHED : Status.INTERRUPTED;
        String stoppedBy = finished && run.path("stopped_by").isTextual() ? run.get("stopped_by").asText() : null;
        return new RunSummary(id, runDir, status, holder, entries, budget, updated, stoppedBy, null);
    }

    /** The leaderboard as {@code leaderboard.md} writes it, from the journal as it is now: the top {@code rows}. */
    public String leaderboard(int rows) {
        return RunOutputs.markdown(runId, entries, rows);
    }

    private static JsonNode readRunJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Journal.JSON.readTree(file.toFile());
        } catch (IOException e) {
            return null; // being replaced, or damaged: the run reads as not finished
        }
    }

    private static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
