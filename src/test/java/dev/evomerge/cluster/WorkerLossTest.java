package dev.evomerge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.evomerge.bench.ClusterBenchmark;
import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Fitness;
import dev.evomerge.search.Genome;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.SearchLoop;
import dev.evomerge.search.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker dies mid-generation: the generation still completes, each candidate journaled exactly once. */
class WorkerLossTest {
    private static final int CANDIDATES = 12;

    @TempDir
    Path dir;

    /** One generation of fixed genomes. */
    private static final class OneGeneration implements Strategy {
        private boolean told;

        @Override
        public List<Genome> ask() {
            List<Genome> g = new ArrayList<>();
            for (int i = 0; i < CANDIDATES; i++) {
                g.add(new Genome(new double[] {(i + 0.5) / CANDIDATES, 0.25}));
            }
            return g;
        }

        @Override
        public void tell(List<Genome> genomes, List<Fitness> results) {
            told = true;
        }

        @Override
        public boolean finished() {
            return told;
        }

        @Override
        public String name() {
            return "fixed";
        }
    }

    @Test
    void killingAWorkerMidGenerationReRunsItsCandidateElsewhere() throws Exception {
        String cluster = "evomerge-loss-" + ProcessHandle.current().pid();
        Worker survivor = Worker.start(new Worker.Options(cluster, "127.0.0.1", ClusterBenchmark.freePort(),
                List.of(), List.of(), List.of(), 1, null), ClusterBenchmark.sleeping(150));
        Worker victim = Worker.start(new Worker.Options(cluster, "127.0.0.1", ClusterBenchmark.freePort(),
                List.of(survivor.address()), List.of(), List.of(), 1, null), ClusterBenchmark.sleeping(150));
        try (ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(
                List.of(survivor.address()), cluster, Duration.ofSeconds(20)), null)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (backend.slots() < 2) {
                assertTrue(System.nanoTime() < deadline, "the second worker never joined");
                Thread.sleep(20);
            }
            SearchLoop loop = new SearchLoop(ClusterBenchmark.sleeping(0).open(null, "x", 1).space(),
                    new OneGeneration(), backend.forRun(ClusterBenchmark.context()),
                    new SearchLoop.Settings(CANDIDATES, 1, 3), null);
            Path run = dir.resolve("run");
            CompletableFuture<SearchLoop.LoopResult> result = CompletableFuture.supplyAsync(
                    () -> loop.start(run, JsonNodeFactory.instance.objectNode()));
            Path journal = run.resolve(Journal.FILE);
            while (!Files.exists(journal) || Files.readAllLines(journal).size() < 1 + 3) {
                assertTrue(System.nanoTime() < deadline, "nothing was journaled");
                Thread.sleep(10);
            }
            victim.kill();
            SearchLoop.LoopResult r = result.get(60, TimeUnit.SECONDS);
            assertTrue(backend.resubmitted() >= 1, "the victim's candidate was re-run: " + backend.resubmitted());

            List<JournalEntry> entries = Journal.read(journal).entries();
            assertEquals(CANDIDATES, entries.size());
            assertEquals(CANDIDATES, r.evaluatedNow());
            assertEquals(CANDIDATES, entries.stream().map(JournalEntry::genome).distinct().count(), "each once");
            for (JournalEntry e : entries) {
                assertEquals(CandidateStatus.EVALUATED, e.status());
                assertEquals(e.genome().gene(0), e.fitness(), 0.0, "the fake evaluator scores gene 0");
            }
        } finally {
            survivor.close();
        }
    }
}
