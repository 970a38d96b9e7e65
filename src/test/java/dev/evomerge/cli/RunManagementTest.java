package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunLock;
import dev.evomerge.search.TinySearchFiles;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run management on one small finished run (and copies of it): {@code runs}, {@code runs show}, {@code search --resume
 * RUN --budget N} on a finished run, {@code --time-limit} and {@code --start-from}.
 */
class RunManagementTest {
    @TempDir
    static Path dir;
    static Path results;

    /** The recipe the run starts from (plain values the space can express: lambda is one of its values). */
    static Path startFrom;

    /** One small gated GA run, started from a recipe with a time limit it does not reach: the run every test reads. */
    @BeforeAll
    static void search() throws IOException {
        TinySearchFiles.write(dir);
        TinySearchFiles.writeGates(dir);
        results = dir.resolve("results");
        startFrom = Files.writeString(dir.resolve("start.yaml"), """
                merge_method: task_arithmetic
                base_model: models/base
                parameters:
                  lambda: 0.5
                models:
                  - model: models/a
                    parameters: {weight: 0.3}
                  - model: models/b
                    parameters: {weight: 0.6}
                dtype: float32
                """);
        CommandRun r = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--gates", dir.resolve("gates.yaml").toString(), "--strategy",
                "ga", "--budget", "2", "--population", "2", "--threads", "2", "--top", "1", "--start-from",
                startFrom.toString(), "--time-limit", "1h30m", "--out", results.toString(), "--run-id", "done");
        assertEquals(0, r.exit(), r.err() + r.out());
    }

    /** A copy of the finished run under another id (its journal names the same inputs, so it resumes as well). */
    private static Path copy(String id) throws IOException {
        Path from = results.resolve("done");
        Path to = results.resolve(id);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(RunLock.FILE)) {
                    Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    @Test
    void runsListsEachRunWithStatusBestCandidatesAndAge() throws IOException {
        Path killed = copy("killed");
        Files.delete(killed.resolve("run.json"));  // killed before the end: no run.json for its candidates
        Path held = copy("held");
        Files.createDirectories(results.resolve("not-a-run"));
        CommandRun r;
        try (RunLock lock = RunLock.acquire(held)) {
            r = CommandRun.main("runs", "--dir", results.toString());
        }
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("run\\s+status\\s+best\\s+candidates\\s+updated"), lines.getFirst());
        double best = Journal.read(results.resolve("done/journal.jsonl")).entries().stream()
                .mapToDouble(JournalEntry::fitness).max().orElseThrow();
        String fitness = String.format(java.util.Locale.ROOT, "%.4f", best);
        assertTrue(lines.stream().anyMatch(l -> l.matches("done\\s+finished\\s+" + fitness + "\\s+2/2\\s+\\d+s ago")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("killed\\s+interrupted\\s+" + fitness + "\\s+2/2\\s+.*")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("held\\s+running\\s+.*")), r.out());
        assertFalse(r.out().contains("not-a-run"), r.out());

        CommandRun none = CommandRun.main("runs", "--dir", dir.resolve("nowhere").toString());
        assertEquals(3, none.exit());
        assertEquals(1, none.err().strip().lines().count(), none.err());
    }

    @Test
    void runsShowPrintsTheLeaderboardFromTheJournal() {
        CommandRun r = CommandRun.main("runs", "show", "done", "--dir", results.toString(), "--watch", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Run done: finished (stopped by budget), 2 of 2 candidates"), r.out());
        List<String> rows = r.out().lines().filter(l -> l.startsWith("| ")).toList();
        assertTrue(rows.getFirst().startsWith("| rank | # | fitness |"), rows.getFirst());
        assertEquals(1 + 2, rows.size(), "header and both candidates: " + r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("Run done")).count(),
                "--watch stops at once on a run that is not running");

        CommandRun missing = CommandRun.main("runs", "show", "nope", "--dir", results.toString());
        assertEquals(3, missing.exit());
        assertTrue(missing.err().contains("no run at") && missing.err().contains("nope"), missing.err());
    }

    @Test
    void resumeWithALargerBudgetExtendsAFinishedRunAndFinishesAgain() throws IOException {
        Path grown = copy("grown");
        Instant finishedBefore = Files.getLastModifiedTime(grown.resolve("finish.json")).toInstant();
        CommandRun r = CommandRun.main("search", "--resume", grown.toString(), "--budget", "4");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.err().contains("budget raised from 2 to 4"), r.err());
        assertFalse(r.err().contains("scoring source"), "the journaled source scores are read back: " + r.err());
        assertTrue(r.out().contains("(2 evaluated now, 2 from the journal)"), r.out());
        assertEquals(4, Journal.read(grown.resolve(Journal.FILE)).entries().size());
        JsonNode runJson = new ObjectMapper().readTree(grown.resolve("run.json").toFile());
        assertEquals(4, runJson.get("evaluations").asInt());
        assertEquals(4, runJson.get("budget").asInt());
        assertTrue(Files.getLastModifiedTime(grown.resolve("finish.json")).toInstant().isAfter(finishedBefore)
                || Files.getLastModifiedTime(grown.resolve("finish.json")).toInstant().equals(finishedBefore)
                && r.err().contains("finish"), "the finish ran again");
        CommandRun shown = CommandRun.main("runs", "show", grown.toString());
        assertTrue(shown.out().startsWith("Run grown: finished (stopped by budget), 4 of 4 candidates"), shown.out());
    }

    @Test
    void startFromSeedsTheSearchWithTheRecipeAndTheTimeLimitIsRecorded() {
        Journal.Contents j = Journal.read(results.resolve("done").resolve(Journal.FILE));
        Genome start = SearchSpaces.load(dir.resolve("space.yaml")).encode(LoadedRecipe.load(startFrom).recipe());
        assertTrue(j.entries().stream().anyMatch(e -> e.genome().equals(start)),
                "generation 0 holds the recipe's genome " + start + ": " + j.entries());
        assertEquals(5400, j.header().get("run").get("time_limit_seconds").asInt());
        assertEquals(startFrom.toAbsolutePath().toString(), j.header().get("run").get("start_from").asText());
    }

    @Test
    void aStartFromRecipeTheSpaceCannotExpressIsOneLineNamingTheField() throws IOException {
        Path recipe = Files.writeString(dir.resolve("off.yaml"), """
                merge_method: task_arithmetic
                base_model: models/base
                parameters:
                  lambda: 0.7
                models:
                  - model: models/a
                    parameters: {weight: 0.3}
                  - model: models/b
                    parameters: {weight: 0.6}
                """);
        CommandRun r = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--start-from", recipe.toString(), "--out", results.toString(),
                "--run-id", "off");
        assertEquals(3, r.exit(), r.err());
        List<String> errors = r.err().lines().filter(l -> !l.startsWith("evomerge: run ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.getFirst().contains("start-from recipe " + recipe) && errors.getFirst().contains(
                "lambda = 0.7 is not one of the space's values"), r.err());
        assertFalse(Files.exists(results.resolve("off")), "refused before the run directory is made");

        // A value the space has no gene for is not dropped silently: the search would start from another model.
        Path unsearched = Files.writeString(dir.resolve("unsearched.yaml"), """
                merge_method: task_arithmetic
                base_model: models/base
                parameters:
                  lambda: 0.5
                models:
                  - model: models/a
                    parameters: {weight: 0.3, density: 0.5}
                  - model: models/b
                    parameters: {weight: 0.6}
                """);
        CommandRun u = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--start-from", unsearched.toString(), "--out", results.toString(),
                "--run-id", "unsearched");
        assertEquals(3, u.exit(), u.err());
        assertTrue(u.err().contains("models[0].parameters.density = 0.5: the space neither searches density nor fixes"
                + " it at that value (its candidates use 1.0)"), u.err());
    }

    @Test
    void aTimeLimitWithoutAUnitIsAUsageError() {
        CommandRun r = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--time-limit", "30", "--out", results.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--time-limit must be a duration such as 90s, 30m, 2h or 1h30m, but was '30'"),
                r.err());
    }
}
