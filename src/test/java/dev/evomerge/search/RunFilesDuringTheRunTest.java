package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real run (its sources scored on the search slice) whose candidates a stand-in backend scores: what the run
 * directory holds while the search goes on, and a wall-clock limit that ends the search.
 */
class RunFilesDuringTheRunTest {
    @TempDir
    static Path dir;
    static Path space;

    @BeforeAll
    static void files() throws IOException {
        space = TinySearchFiles.write(dir);
    }

    /** Scores each genome by its first gene (the same scores wherever it runs), after {@code beforeBatch}. */
    private static EvaluationBackend backend(java.util.function.IntConsumer beforeBatch) {
        return new EvaluationBackend() {
            @Override
            public void evaluate(Batch batch, Sink sink) {
                beforeBatch.accept(batch.generation());
                for (int i = 0; i < batch.genomes().size(); i++) {
                    double f = batch.genomes().get(i).gene(0);
                    sink.finished(i, new CandidateEvaluator.Evaluation(CandidateStatus.EVALUATED,
                            Map.of("arith", f, "capitals", f, "choice", f), f, null, 0, 0));
                }
            }

            @Override
            public String describe() {
                return "stand-in";
            }

            @Override
            public void close() {
            }
        };
    }

    private static RunOptions options() {
        return RunOptions.defaults(space, TinySearchFiles.SUITE).withStrategy("random").withBudget(6)
                .withPopulation(2).withTopK(1).withThreads(2).withTensorCacheMb(16);
    }

    /**
     * One run (its sources scored twice, the cost of a run here, so both behaviours share it): generation 1 outlasts
     * a 1 s limit, so the search stops before generation 2; the resume finishes the budget.
     */
    @Test
    void theLeaderboardFollowsEachGenerationAndTheTimeLimitEndsTheSearchUntilAResume() throws IOException {
        Path run = dir.resolve("results/timed");
        RunOptions o = options().withTimeLimitSeconds(1);
        List<Integer> rowsSeen = new ArrayList<>();
        StringWriter log = new StringWriter();
        SearchRun.RunOutcome r = SearchRun.run(o, run, false, new PrintWriter(log, true), ctx -> backend(g -> {
            rowsSeen.add(rows(run));
            if (g == 1) {
                sleep(1100);
            }
        }));
        assertEquals(4, r.entries().size(), log.toString());
        assertTrue(log.toString().contains("the time limit of 1 s has passed"), log.toString());
        JsonNode runJson = new ObjectMapper().readTree(run.resolve(RunOutputs.RUN_JSON).toFile());
        assertEquals("time_limit", runJson.get("stopped_by").asText());
        assertEquals(RunSummary.Status.FINISHED, RunSummary.of(run).status());

        // A resume gets the time again (the recorded limit, or a new one) and continues to the budget.
        SearchRun.RunOutcome resumed = SearchRun.run(o.withTimeLimitSeconds(3600), run, true, null,
                ctx -> backend(g -> rowsSeen.add(rows(run))));
        assertEquals(6, resumed.entries().size());
        assertEquals(4, resumed.replayed());
        JsonNode after = new ObjectMapper().readTree(run.resolve(RunOutputs.RUN_JSON).toFile());
        assertEquals("budget", after.get("stopped_by").asText());
        // Before generations 0, 1 and (resumed) 2: no leaderboard yet, then 2 and 4 ranked candidates.
        assertEquals(List.of(-1, 2, 4), rowsSeen);
        assertEquals(6, rows(run));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int rows(Path run) {
        Path csv = run.resolve(RunOutputs.LEADERBOARD_CSV);
        try {
            return Files.exists(csv) ? Files.readAllLines(csv).size() - 1 : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
