package dev.evomerge.search;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A search process for {@link ResumeAfterKillTest} to kill: the seeded strategy over a linear space, a slow fake
 * evaluator that appends every genome it evaluates to a calls file (so the parent can count evaluations across
 * processes). It holds the run's {@link RunLock} as a real search does. Usage: {@code ResumeChild RUN_DIR CALLS_FILE SLEEP_MS}.
 */
public final class ResumeChild {
    static final long SEED = 7;
    static final int POPULATION = 4;
    static final int GENERATIONS = 10;
    static final Doubles.LinearSpace SPACE = new Doubles.LinearSpace(List.of("a", "b"));

    private ResumeChild() {
    }

    static ObjectNode config() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("strategy", "seeded");
        c.put("seed", SEED);
        c.put("population", POPULATION);
        c.put("generations", GENERATIONS);
        c.put("budget", POPULATION * GENERATIONS);
        return c;
    }

    /** The strategy as the header describes it (what --resume does with a real strategy). */
    static Strategy strategy(ObjectNode header) {
        return new Doubles.SeededStrategy(header.get("seed").asLong(), header.get("population").asInt(),
                header.get("generations").asInt(), SPACE.dimension());
    }

    static CandidateEvaluator.Factory recording(Path calls, long sleepMillis) {
        return (w, n) -> new CandidateEvaluator() {
            private final Doubles.PeakEvaluator inner = new Doubles.PeakEvaluator(sleepMillis);

            @Override
            public Evaluation evaluate(Candidate candidate, double pruneBelow) {
                Evaluation o = inner.evaluate(candidate, pruneBelow);
                try {
                    Files.writeString(calls, inner.calls.getLast() + "\n", StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return o;
            }

            @Override
            public void close() {
            }
        };
    }

    public static void main(String[] args) {
        Path run = Path.of(args[0]);
        ObjectNode config = config();
        SearchLoop loop = new SearchLoop(SPACE, strategy(config), recording(Path.of(args[1]), Long.parseLong(args[2])),
                new SearchLoop.Settings(config.get("budget").asInt(), 1, 3), null);
        try (RunLock lock = RunLock.acquire(run)) {
            loop.start(run, config);
        }
    }
}
