package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One rule for every command: a bad flag value is a usage error, exit 2, named by its flag, before any file is read. */
class ExitCodesTest {
    @Test
    void aBadFlagValueExitsTwoInEveryCommand() {
        List<List<String>> cases = List.of(
                List.of("search", "space.yaml", "--suite", "s.yaml", "--budget", "0"),
                List.of("search", "space.yaml", "--suite", "s.yaml", "--threads", "-1"),
                List.of("search", "space.yaml", "--suite", "s.yaml", "--strategy", "cmaess"),
                List.of("sweep", "space.yaml", "--suite", "s.yaml", "--steps", "0"),
                List.of("demo", "--workers", "0"),
                List.of("merge", "recipe.yaml", "out", "--threads", "-1"),
                List.of("eval", "model", "--suite", "s.yaml", "--limit", "0"),
                List.of("gate", "model", "--gates", "g.yaml", "--batch-size", "0"),
                List.of("worker", "--port", "0"),
                List.of("worker", "--port", "5799", "--threads", "-1"),
                List.of("worker", "--port", "5799", "--join", "nocolon"),
                List.of("bench", "merge", "--threads", "-1"),
                List.of("bench", "model", "--threads", "-1"),
                List.of("bench", "scale", "--threads", "-1"),
                List.of("bench", "device", "--synthetic", "2", "--threads", "-1"));
        for (List<String> args : cases) {
            CommandRun r = CommandRun.main(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r.err());
            String flag = args.get(args.size() - 2);
            assertTrue(r.err().startsWith("evomerge: ") && r.err().contains(flag), args + ": " + r.err());
        }
    }
}
