package dev.evomerge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.bench.ClusterBenchmark;
import dev.evomerge.eval.Suite;
import dev.evomerge.search.EvaluationBackend;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunContext;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.SearchRun;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.evomerge.cli.CommandRun;

/**
 * A real search (merge engine, runtime, toy suite, tiny random checkpoints) on two loopback workers started here,
 * against the same search on the local backend.
 */
class ClusterSearchTest {
    private static final Path SUITE = TinyRun.SUITE;

    @TempDir
    static Path dir;

    private static final String CLUSTER = "evomerge-test-" + ProcessHandle.current().pid();
    private static final List<Worker> WORKERS = new ArrayList<>();
    private static String addresses;

    @BeforeAll
    static void setUp() throws IOException {
        TinyRun.write(dir);
        List<String> joined = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Worker worker = Worker.start(new Worker.Options(CLUSTER, "127.0.0.1", ClusterBenchmark.freePort(),
                    joined, List.of(), List.of(), 1, null));
            WORKERS.add(worker);
            joined.add(worker.address());
        }
        addresses = String.join(",", joined);
    }

    @AfterAll
    static void tearDown() {
        WORKERS.forEach(Worker::close);
    }

    private static RunOptions options(int workers) {
        return RunOptions.defaults(dir.resolve("space.yaml"), SUITE).withBudget(6).withWorkers(workers).withSeed(11)
                .withPopulation(3).withTopK(2).withStageFraction(0.5).withTensorCacheMb(64).withThreads(2);
    }

    private static ClusterBackend connect() {
        return ClusterBackend.connect(new ClusterBackend.Settings(List.of(addresses.split(",")), CLUSTER,
                Duration.ofSeconds(20)), null);
    }

    @Test
    void twoWorkersGiveTheLocalBackendsScoresBitForBit() {
        SearchRun.RunOutcome local = SearchRun.run(options(2), dir.resolve("local"), false, null);
        SearchRun.RunOutcome remote;
        try (ClusterBackend backend = connect()) {
            assertEquals(2, backend.slots());
            remote = SearchRun.run(options(2), dir.resolve("cluster"), false, null, backend::forRun);
        }
        assertEquals(6, local.entries().size());
        assertEquals(6, remote.evaluatedNow());
        assertEquals(TinyRun.outcomes(local.entries()), TinyRun.outcomes(remote.entries()));
        assertEquals(local.entries().stream().map(JournalEntry::generation).sorted().toList(),
                remote.entries().stream().map(JournalEntry::generation).sorted().toList());
    }

    @Test
    void resumeWithClusterEvaluatesOnlyWhatTheJournalLacks() throws IOException {
        Path out = dir.resolve("resumed");
        String[] common = {"--suite", SUITE.toString(), "--strategy", "random", "--budget", "6", "--population", "3",
                "--threads", "2", "--top", "2", "--seed", "3", "--out", out.toString()};
        CommandRun full = run(concat(new String[] {"search", dir.resolve("space.yaml").toString(), "--run-id", "full",
                "--cluster", addresses, "--cluster-name", CLUSTER}, common));
        assertEquals(0, full.exit(), full.err());
        List<String> lines = Files.readAllLines(out.resolve("full").resolve(Journal.FILE));
        assertEquals(1 + 6, lines.size());
        // The coordinator stopped after the first generation: its journal holds the header and three candidates.
        Path stopped = out.resolve("stopped");
        Files.createDirectories(stopped);
        Files.write(stopped.resolve(Journal.FILE), lines.subList(0, 1 + 3));
        CommandRun resumed = run("search", "--resume", "stopped", "--out", out.toString(), "--cluster", addresses,
                "--cluster-name", CLUSTER);
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("(3 evaluated now, 3 from the journal)"), resumed.out());
        List<String> after = Files.readAllLines(stopped.resolve(Journal.FILE));
        assertEquals(lines.subList(0, 4), after.subList(0, 4), "journaled lines are kept as they were");
        assertEquals(TinyRun.outcomes(Journal.read(out.resolve("full").resolve(Journal.FILE)).entries()),
                TinyRun.outcomes(Journal.read(stopped.resolve(Journal.FILE)).entries()));
    }

    @Test
    void aWorkerWithoutASourceNamesItAndTheWorker() {
        RunContext good;
        try (RunSetup w = RunSetup.local(SearchSpaces.load(dir.resolve("space.yaml")), Suite.load(SUITE),
                dir.resolve("space.yaml"), null, 1, 0, 1, 1)) {
            good = w.context(dir.resolve("space.yaml"), SUITE);
        }
        List<RunContext.Source> sources = new ArrayList<>(good.sources());
        RunContext.Source a = sources.get(1);
        sources.set(1, new RunContext.Source(a.name(), dir.resolve("elsewhere/a").toString(), a.contentHash()));
        RunContext missing = new RunContext(good.spaceFile(), good.spaceYaml().replace("models/a", "elsewhere/a"),
                good.suiteFile(), good.suiteSha256(), sources, 1, 0, null, false, 16);
        try (ClusterBackend backend = connect()) {
            EvaluationBackend run = backend.forRun(missing);
            UserError e = assertThrows(UserError.class, () -> run.evaluate(new EvaluationBackend.Batch(0,
                    List.of(new Genome(new double[] {0.5, 0.5, 0.5})), Double.NEGATIVE_INFINITY), (i, o) -> { }));
            assertTrue(e.getMessage().startsWith("worker 127.0.0.1:"), e.getMessage());
            assertTrue(e.getMessage().contains("cannot find source 'a' (" + dir.resolve("elsewhere/a")),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
        }
    }

    @Test
    void unreachableOrMalformedClusterIsAOneLineUserError() {
        CommandRun bad = run("search", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--out",
                dir.resolve("bad").toString(), "--cluster", "localhost");
        assertEquals(3, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--cluster must look like HOST:PORT"), bad.err());
        CommandRun none = run("search", dir.resolve("space.yaml").toString(), "--suite", SUITE.toString(), "--out",
                dir.resolve("none").toString(), "--cluster", "127.0.0.1:" + ClusterBenchmark.freePort(),
                "--cluster-timeout", "2");
        assertEquals(3, none.exit(), none.err());
        assertTrue(none.err().contains("no evomerge cluster 'evomerge' answered at 127.0.0.1:"), none.err());
        assertEquals(2, none.err().strip().lines().count(), "the run line and one error line: " + none.err());
    }

    static CommandRun run(String... args) {
        return CommandRun.main(args);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
