package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunLock;
import dev.evomerge.search.TinySearchFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** search and sweep through the real merge engine and runtime on random tiny checkpoints and the toy suite. */
class SearchEndToEndTest {
    private static final Path SUITE = TinySearchFiles.SUITE;

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        TinySearchFiles.write(dir);
        TinySearchFiles.writeGates(dir);
    }

    static CommandRun run(String... args) {
        return CommandRun.main(args);
    }

    @Test
    void searchWritesTheRunDirectoryAndGatesTheTopK() throws IOException {
        Path results = dir.resolve("results");
        CommandRun r = run("search", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--gates",
                dir.resolve("gates.yaml").toString(), "--strategy", "random", "--budget", "6", "--population", "3",
                "--workers", "2", "--threads", "2", "--top", "2", "--out", results.toString(), "--run-id", "r1");
        assertEquals(0, r.exit(), r.err() + r.out());
        Path run = results.resolve("r1");
        Journal.Contents j = Journal.read(run.resolve("journal.jsonl"));
        assertEquals(6, j.entries().size());
        assertEquals("random", j.header().get("strategy").asText());
        for (JournalEntry e : j.entries()) {
            assertTrue(e.status().equals(CandidateStatus.EVALUATED) || e.status().equals(CandidateStatus.PRUNED), String.valueOf(e.status()));
            assertTrue(e.recipeYaml().contains("task_arithmetic"), e.recipeYaml());
        }
        List<String> csv = Files.readAllLines(run.resolve("leaderboard.csv"));
        assertTrue(csv.getFirst().startsWith("rank,index,generation,fitness,"), csv.getFirst());
        // The exported recipe resolves its models from best/ and plans against them.
        LoadedRecipe best = LoadedRecipe.load(run.resolve("best/rank-1.yaml"));
        for (Path p : best.modelPaths()) {
            assertTrue(Files.isDirectory(p), p.toString());
        }
        JsonNode runJson = new ObjectMapper().readTree(run.resolve("run.json").toFile());
        assertEquals("evomerge-run", runJson.get("format").asText());
        assertEquals(6, runJson.get("evaluations").asInt());
        assertTrue(runJson.get("sources_search_scores").has("a"));
        JsonNode finish = new ObjectMapper().readTree(run.resolve("finish.json").toFile());
        assertEquals(2, finish.get("candidates").size());
        for (JsonNode c : finish.get("candidates")) {
            if (c.get("accepted").asBoolean()) {
                Path ckpt = run.resolve(c.get("checkpoint").asText());
                for (String f : List.of("model.safetensors", "config.json", "mergekit_config.yml", "README.md",
                        "scores.json", "gate-report.json", "tokenizer.json")) {
                    assertTrue(Files.exists(ckpt.resolve(f)), ckpt.resolve(f).toString());
                }
            }
        }
        assertTrue(Files.exists(run.resolve("finish.md")));
        assertTrue(Files.exists(run.resolve("report.md")));
        assertTrue(r.out().contains("Held-out scores"), r.out());
        assertTrue(!Files.exists(run.resolve(".finish")), "no half-finished checkpoints left");

        // Resuming a finished run evaluates nothing more.
        CommandRun again = run("search", "--resume", "r1", "--out", results.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("(0 evaluated now, 6 from the journal)"), again.out());
        assertEquals(6, Journal.read(run.resolve("journal.jsonl")).entries().size());
    }

    @Test
    void theFinishScoresAComparedSourceOnceForAllCandidates() throws IOException {
        Path gates = Files.writeString(dir.resolve("gates-relative.yaml"), """
                format: evomerge-gates
                version: 1
                suite: %s
                slice: heldout
                base: models/base
                sources: {a: models/a}
                gates:
                  - {task: choice, min_relative: 0.01, source: a}
                """.formatted(SUITE));
        CommandRun r = run("search", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--gates",
                gates.toString(), "--strategy", "random", "--budget", "4", "--population", "2", "--top", "2",
                "--out", dir.resolve("results-once").toString(), "--run-id", "once");
        assertEquals(0, r.exit(), r.err() + r.out());
        List<String> scoredA = r.err().lines().filter(l -> l.startsWith("evomerge: a (")).toList();
        assertEquals(2, scoredA.size(), "each candidate's gate compares with source a: " + scoredA);
        assertEquals(1, scoredA.stream().filter(l -> !l.endsWith("[cached]")).count(),
                "source a is scored once, then reused: " + scoredA);
    }

    @Test
    void aRunHeldByAnotherWriterIsRefused() throws IOException {
        Path results = dir.resolve("locked");
        try (RunLock held = RunLock.acquire(results.resolve("busy"))) {
            for (String[] args : List.of(
                    new String[] {"search", dir.resolve("space.yaml").toString(), "--run-id", "busy"},
                    new String[] {"sweep", dir.resolve("space.yaml").toString(), "--run-id", "busy"})) {
                CommandRun r = run(concat(args, "--suite", SUITE.toString(), "--out", results.toString()));
                assertEquals(3, r.exit(), r.err());
                assertTrue(r.err().contains("is in use by process " + ProcessHandle.current().pid()), r.err());
                assertFalse(Files.exists(results.resolve("busy").resolve(Journal.FILE)), "nothing written");
            }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void sweepWritesAHeatmapReadyTable() throws IOException {
        Path results = dir.resolve("sweeps");
        CommandRun r = run("sweep", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--grid",
                "lambda=0.5,1.0", "--grid", "weight=0.0,1.0", "--out", results.toString(), "--run-id", "s1",
                "--stage", "1");
        assertEquals(0, r.exit(), r.err() + r.out());
        List<String> rows = Files.readAllLines(results.resolve("s1/sweep.csv"));
        assertTrue(rows.getFirst().startsWith("index,weight,lambda,status,fitness"), rows.getFirst());
        assertEquals(1 + 2 * 2 * 2, rows.size(), "weight[a] x weight[b] x lambda: " + rows);
    }

    @Test
    void sweepKeepsAnExplicitBudgetOfSixtyFour() {
        Path results = dir.resolve("sweep-budget");
        CommandRun r = run("sweep", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--grid",
                "lambda=0.5", "--grid", "weight=1.0", "--out", results.toString(), "--run-id", "b64", "--stage", "1",
                "--budget", "64");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertEquals(64, Journal.read(results.resolve("b64").resolve(Journal.FILE)).header().get("budget").asInt());
    }
}
