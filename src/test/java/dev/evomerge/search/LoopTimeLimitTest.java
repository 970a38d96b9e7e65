package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's wall-clock budget ({@code --time-limit}) on a clock the evaluator advances by one second per candidate,
 * and the listener that rewrites the leaderboard after every generation.
 */
class LoopTimeLimitTest {
    private static final int POPULATION = 4;
    private static final int GENERATIONS = 10;
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private static Strategy strategy() {
        return new Doubles.SeededStrategy(ResumeChild.SEED, POPULATION, GENERATIONS, ResumeChild.SPACE.dimension());
    }

    /** Evaluates {@link Doubles#peak} and moves {@code clock} one second on per candidate. */
    private static CandidateEvaluator.Factory ticking(AtomicLong clock) {
        Doubles.PeakEvaluator peak = new Doubles.PeakEvaluator(0);
        return (w, n) -> new CandidateEvaluator() {
            @Override
            public Evaluation evaluate(Candidate candidate, double pruneBelow) {
                clock.addAndGet(SECOND);
                return peak.evaluate(candidate, pruneBelow);
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void theTimeLimitStopsBeforeTheNextGenerationAndAResumeContinuesAsIfUninterrupted() {
        AtomicLong clock = new AtomicLong();
        Path run = dir.resolve("run");
        SearchLoop.LoopResult first = new SearchLoop(ResumeChild.SPACE, strategy(), ticking(clock),
                new SearchLoop.Settings(POPULATION * GENERATIONS, 1, 3, Duration.ofSeconds(10)), null)
                .clock(clock::get).start(run, ResumeChild.config());
        // 4 s, 8 s, then 12 s >= 10 s: the third generation completes and no fourth is asked for.
        assertTrue(first.timedOut());
        assertEquals(3 * POPULATION, first.entries().size());

        Journal.Contents journaled = Journal.read(run.resolve(Journal.FILE));
        assertEquals(3 * POPULATION, journaled.entries().size());
        SearchLoop.LoopResult resumed = new SearchLoop(ResumeChild.SPACE, strategy(), ticking(clock),
                new SearchLoop.Settings(POPULATION * GENERATIONS, 1, 3), null).clock(clock::get)
                .resume(run, journaled);
        assertFalse(resumed.timedOut());
        assertEquals(3 * POPULATION, resumed.replayed());
        assertEquals(POPULATION * GENERATIONS, resumed.entries().size());

        SearchLoop.LoopResult straight = new SearchLoop(ResumeChild.SPACE, strategy(), ticking(new AtomicLong()),
                new SearchLoop.Settings(POPULATION * GENERATIONS, 1, 3), null).start(dir.resolve("straight"),
                ResumeChild.config());
        assertEquals(straight.entries().stream().map(JournalEntry::genome).toList(),
                resumed.entries().stream().map(JournalEntry::genome).toList());
    }

    @Test
    void aLimitLongerThanTheSearchChangesNothing() {
        AtomicLong clock = new AtomicLong();
        SearchLoop.LoopResult r = new SearchLoop(ResumeChild.SPACE, strategy(), ticking(clock),
                new SearchLoop.Settings(POPULATION * GENERATIONS, 1, 3, Duration.ofHours(1)), null)
                .clock(clock::get).start(dir.resolve("long"), ResumeChild.config());
        assertFalse(r.timedOut());
        assertEquals(POPULATION * GENERATIONS, r.entries().size());
    }

    @Test
    void aLimitOfZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SearchLoop.Settings(4, 1, 3, Duration.ZERO));
    }

    @Test
    void theListenerSeesTheJournalAfterEveryGeneration() {
        List<Integer> seen = new ArrayList<>();
        Path run = dir.resolve("listened");
        new SearchLoop(ResumeChild.SPACE, strategy(), ticking(new AtomicLong()),
                new SearchLoop.Settings(POPULATION * GENERATIONS, 1, 3), null)
                .afterEachGeneration(entries -> {
                    seen.add(entries.size());
                    assertEquals(entries.size(), Journal.read(run.resolve(Journal.FILE)).entries().size(),
                            "called once the generation is journaled");
                })
                .start(run, ResumeChild.config());
        List<Integer> expected = new ArrayList<>();
        for (int g = 1; g <= GENERATIONS; g++) {
            expected.add(g * POPULATION);
        }
        assertEquals(expected, seen);
    }
}
