package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search process is really killed (kill -9 via destroyForcibly) part-way through; resuming it finishes the run
 * without evaluating any candidate the journal already holds, and ends with exactly the journal an uninterrupted run
 * writes (same genomes, same order): the strategy's state was restored by replay.
 */
class ResumeAfterKillTest {
    @TempDir
    Path dir;

    @Test
    void resumeAfterKillReevaluatesNothingAndMatchesAnUninterruptedRun() throws Exception {
        Path run = dir.resolve("run");
        Path calls = dir.resolve("calls.txt");
        Path journalFile = run.resolve(Journal.FILE);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ResumeChild.class.getName(), run.toString(), calls.toString(), "60")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(journalFile) < 1 + 7) {
            assertTrue(child.isAlive(), "the child finished or died before it could be killed: "
                    + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "the child journaled too slowly");
            Thread.sleep(10);
        }
        // A second process on the same run is refused, naming the holder, and leaves the journal as it was.
        UserError busy = assertThrows(UserError.class, () -> RunLock.acquire(run));
        assertTrue(busy.getMessage().contains("process " + child.pid() + " (started "), busy.getMessage());
        assertFalse(busy.getMessage().contains("\n"), busy.getMessage());
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(child.exitValue() != 0, "killed, not finished");

        Journal.Contents before = Journal.read(journalFile);
        int total = ResumeChild.POPULATION * ResumeChild.GENERATIONS;
        assertTrue(before.entries().size() >= 7 && before.entries().size() < total, "killed part-way: "
                + before.entries().size());
        Set<Genome> done = new HashSet<>();
        before.entries().forEach(e -> done.add(e.genome()));
        List<String> childCalls = Files.readAllLines(calls);
        // At most the one candidate in flight at the kill was evaluated but not journaled.
        assertTrue(childCalls.size() - before.entries().size() <= 1, childCalls.size() + " vs "
                + before.entries().size());

        try (RunLock lock = RunLock.acquire(run)) {
            assertTrue(Files.readString(lock.file()).startsWith("process " + ProcessHandle.current().pid()),
                    "the OS released the killed holder's lock");
        }

        Doubles.PeakEvaluator resumed = new Doubles.PeakEvaluator(0);
        SearchLoop loop = new SearchLoop(ResumeChild.SPACE, ResumeChild.strategy(before.header()),
                (w, n) -> resumed, new SearchLoop.Settings(before.header().get("budget").asInt(), 1, 3), null);
        SearchLoop.LoopResult result = loop.resume(run, before);

        for (Genome g : resumed.calls) {
            assertTrue(!done.contains(g), "re-evaluated a journaled candidate " + g);
        }
        assertEquals(total - before.entries().size(), resumed.calls.size());
        assertEquals(before.entries().size(), result.replayed());

        List<JournalEntry> after = Journal.read(journalFile).entries();
        assertEquals(total, after.size());
        assertEquals(total, after.stream().map(JournalEntry::genome).distinct().count(), "each genome once");
        for (int i = 0; i < after.size(); i++) {
            assertEquals(i, after.get(i).index());
        }

        Doubles.PeakEvaluator straight = new Doubles.PeakEvaluator(0);
        SearchLoop.LoopResult reference = new SearchLoop(ResumeChild.SPACE,
                ResumeChild.strategy(ResumeChild.config()), (w, n) -> straight,
                new SearchLoop.Settings(total, 1, 3), null).start(dir.resolve("straight"), ResumeChild.config());
        assertEquals(reference.entries().stream().map(JournalEntry::genome).toList(),
                after.stream().map(JournalEntry::genome).toList());
        assertEquals(reference.entries().stream().map(JournalEntry::generation).toList(),
                after.stream().map(JournalEntry::generation).toList());
    }

    private static long lines(Path f) throws Exception {
        if (!Files.exists(f)) {
            return 0;
        }
        try (var s = Files.lines(f)) {
            return s.count();
        }
    }
}
