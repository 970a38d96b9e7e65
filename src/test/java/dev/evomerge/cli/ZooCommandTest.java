package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ZooCommandTest {
    private static Path suiteDirectory(String... args) {
        ZooCommand.Train train = new ZooCommand.Train();
        new CommandLine(train).parseArgs(args);
        return train.suiteDirectory();
    }

    @Test
    void aRetrainedZoosSuiteGoesBesideItsModelsNotOverTheShippedOne() {
        assertEquals(Path.of("/tmp/my-zoo/eval-suite"), suiteDirectory("--out", "/tmp/my-zoo"));
        assertEquals(Path.of("eval-suites/zoo"), suiteDirectory("--out", "models/zoo", "--suite-out", "eval-suites/zoo"),
                "named, it goes where it is told");
    }
}
