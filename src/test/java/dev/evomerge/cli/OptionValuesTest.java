package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad option value is a usage error in every command: exit 2 and one line naming the option and the value, before
 * any file is read (none of the files named here exist).
 */
class OptionValuesTest {
    static Stream<Arguments> badValues() {
        List<Arguments> cases = new ArrayList<>();
        for (String cmd : List.of("search", "sweep")) {
            for (String[] fv : List.of(new String[] {"--top", "0"}, new String[] {"--top", "-1"},
                    new String[] {"--tensor-cache-mb", "-1"}, new String[] {"--max-l2", "NaN"},
                    new String[] {"--max-l2", "-1"}, new String[] {"--max-l2", "Infinity"},
                    new String[] {"--sigma", "-1"}, new String[] {"--sigma", "NaN"},
                    new String[] {"--threads", "-3"}, new String[] {"--threads", "100000"},
                    new String[] {"--run-id", ""}, new String[] {"--run-id", "../x"},
                    new String[] {"--run-id", "a/b"}, new String[] {"--run-id", ".."},
                    new String[] {"--budget", "0"}, new String[] {"--workers", "0"},
                    new String[] {"--population", "-1"}, new String[] {"--stage", "0"},
                    new String[] {"--stage", "1.5"}, new String[] {"--cluster-timeout", "0"})) {
                cases.add(Arguments.of(fv[0], fv[1], List.of(cmd, "no-space.yaml", "--suite", "no-suite.yaml",
                        fv[0], fv[1])));
            }
        }
        // A value with a '/' is the run's directory (results/<run-id>); one that names no directory is refused.
        cases.add(Arguments.of("--resume", "/", List.of("search", "--resume", "/")));
        cases.add(Arguments.of("--resume", "..", List.of("search", "--resume", "..")));
        cases.add(Arguments.of("--resume", "", List.of("search", "--resume", "")));
        cases.add(Arguments.of("--steps", "0", List.of("sweep", "no-space.yaml", "--suite", "s.yaml", "--steps",
                "0")));
        cases.add(Arguments.of("--threads", "100000", List.of("merge", "no-recipe.yaml", "out", "--threads",
                "100000")));
        cases.add(Arguments.of("--threads", "-3", List.of("merge", "no-recipe.yaml", "out", "--threads", "-3")));
        cases.add(Arguments.of("--threads", "-3", List.of("worker", "--threads", "-3")));
        cases.add(Arguments.of("--budget", "0", List.of("demo", "--root", "no-root", "--budget", "0")));
        cases.add(Arguments.of("--workers", "-1", List.of("demo", "--root", "no-root", "--workers", "-1")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badValues")
    void aBadValueIsAUsageErrorOfOneLine(String flag, String value, List<String> args) {
        CommandRun r = CommandRun.main(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(flag), err);
        assertTrue(err.contains("'" + value + "'"), err);
    }
}
