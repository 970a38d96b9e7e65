package dev.evomerge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.bench.ClusterBenchmark;
import dev.evomerge.cli.Main;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.SearchRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two workers as separate JVMs ({@code evomerge worker}, the real evaluator), one of them killed with SIGKILL in the
 * middle of a generation of a real search: the generation completes, and the journal holds every candidate exactly
 * once with the local backend's scores.
 */
class WorkerProcessKillTest {
    private static final int CANDIDATES = 12;

    @TempDir
    Path dir;

    private final List<Process> workers = new ArrayList<>();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (Process p : workers) {
            p.destroyForcibly();
        }
        for (Process p : workers) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code evomerge worker} in a fresh JVM with the test's classpath and the flags every evomerge JVM gets. */
    private Process startWorker(String cluster, int port, List<String> join, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dai.djl.offline=true",
                "-Xmx1g", "-Devomerge.cache.dir=" + dir.resolve("cache-" + port),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "worker", "--host", "127.0.0.1", "--port", Integer.toString(port), "--threads", "1",
                "--cluster-name", cluster));
        if (!join.isEmpty()) {
            cmd.add("--join");
            cmd.add(String.join(",", join));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        workers.add(p);
        return p;
    }

    private static void awaitReady(Process p, Path log, long deadline) throws IOException, InterruptedException {
        while (!Files.exists(log) || !Files.readString(log).contains("evomerge worker ready: ")) {
            assertTrue(p.isAlive(), "the worker died: " + (Files.exists(log) ? Files.readString(log) : ""));
            assertTrue(System.nanoTime() < deadline, "the worker was not ready in time: " + Files.readString(log));
            Thread.sleep(50);
        }
    }

    @Test
    void sigkillingAWorkerProcessMidGenerationJournalsEveryCandidateOnceWithLocalScores() throws Exception {
        long t0 = System.nanoTime();
        Path space = TinyRun.write(dir);
        String cluster = "evomerge-kill-" + ProcessHandle.current().pid();
        int port1 = ClusterBenchmark.freePort();
        int port2 = ClusterBenchmark.freePort();
        String first = "127.0.0.1:" + port1;
        // Both JVMs start at once; the second finds the first through its --join address when that one is up.
        Process survivor = startWorker(cluster, port1, List.of(), dir.resolve("survivor.log"));
        Process victim = startWorker(cluster, port2, List.of(first), dir.resolve("victim.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        awaitReady(survivor, dir.resolve("survivor.log"), deadline);
        awaitReady(victim, dir.resolve("victim.log"), deadline);
        double started = (System.nanoTime() - t0) / 1e9;

        SearchRun.RunOutcome local = SearchRun.run(TinyRun.oneGeneration(space, CANDIDATES, 2, 17), dir.resolve("local"),
                false, null);
        assertEquals(CANDIDATES, local.entries().size());

        // A fresh deadline from here: the local run above takes minutes on a loaded machine, and a deadline that
        // covered it too failed the test for reasons that had nothing to do with the cluster.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(List.of(first), cluster,
                Duration.ofSeconds(30)), null)) {
            while (backend.slots() < 2) {
                assertTrue(System.nanoTime() < deadline, "the second worker never joined: " + backend.describe());
                Thread.sleep(20);
            }
            Path run = dir.resolve("cluster");
            CompletableFuture<SearchRun.RunOutcome> remote = CompletableFuture.supplyAsync(() -> SearchRun.run(
                    TinyRun.oneGeneration(space, CANDIDATES, 2, 17), run, false, null, backend::forRun));
            Path journal = run.resolve(Journal.FILE);
            int journaledAtKill;
            while ((journaledAtKill = candidateLines(journal)) < 1) {
                assertTrue(System.nanoTime() < deadline && !remote.isDone(), "nothing was journaled");
                Thread.sleep(5);
            }
            long killedAt = System.nanoTime();
            victim.destroyForcibly();
            assertTrue(victim.waitFor(10, TimeUnit.SECONDS), "SIGKILL ends the worker");
            SearchRun.RunOutcome out = remote.get(90, TimeUnit.SECONDS);
            double afterKill = (System.nanoTime() - killedAt) / 1e9;
            System.out.printf("workers ready after %.1f s; killed with %d of %d journaled; generation done %.1f s "
                    + "after the kill; %d re-run; %.1f s in all%n", started, journaledAtKill, CANDIDATES, afterKill,
                    backend.resubmitted(), (System.nanoTime() - t0) / 1e9);

            assertTrue(journaledAtKill < CANDIDATES, "the kill landed mid-generation");
            assertTrue(backend.resubmitted() >= 1, "the victim's candidate ran again elsewhere");
            List<JournalEntry> entries = Journal.read(journal).entries();
            assertEquals(CANDIDATES, entries.size(), "every candidate journaled once");
            assertEquals(CANDIDATES, out.evaluatedNow());
            assertEquals(TinyRun.outcomes(local.entries()), TinyRun.outcomes(entries));
        }
    }

    /** Candidate lines in the journal so far (the first line is the run's header). */
    private static int candidateLines(Path journal) throws IOException {
        if (!Files.exists(journal)) {
            return 0;
        }
        return (int) Math.max(0, Files.readAllLines(journal).stream().filter(l -> !l.isBlank()).count() - 1);
    }
}
