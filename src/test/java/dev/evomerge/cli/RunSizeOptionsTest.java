package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** search, sweep and demo share --budget, --workers and --out; the demo keeps its own default budget. */
class RunSizeOptionsTest {
    @Test
    void theDemoKeepsItsBudgetAndSearchItsOwn() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs();
        assertEquals(17, demo.size.budget);
        assertEquals(1, demo.size.workers);
        assertEquals(Path.of("results"), demo.size.out);
        new CommandLine(demo).parseArgs("--budget", "5", "--workers", "2", "--out", "runs");
        assertEquals(5, demo.size.budget);
        assertEquals(2, demo.size.workers);
        assertEquals(Path.of("runs"), demo.size.out);

        SearchCommand search = new SearchCommand();
        new CommandLine(search).parseArgs("space.yaml", "--suite", "s.yaml");
        assertEquals(64, search.opts.size.budget);
        assertEquals(1, search.opts.size.workers);
        String help = new CommandLine(new DemoCommand()).getUsageMessage();
        assertEquals(1, help.lines().filter(l -> l.contains("--budget") && l.contains("(default: 17)")).count(), help);
    }
}
