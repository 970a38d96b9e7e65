package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.search.Journal;
import dev.evomerge.search.TinySearchFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code search --resume} refuses every change to what the journaled scores depend on (the space, the suite and its
 * data, the gates, the options, the journal header) with one line, leaves the run resumable once the change is undone,
 * and honours a larger --budget.
 */
class ResumeIdentityTest {
    @TempDir
    Path dir;

    @Test
    void resumeRefusesWhatChangedAndHonoursALargerBudget() throws IOException {
        // The toy suite's multiple-choice task alone: log-likelihoods only, no generation, so the runs are quick.
        Path space = TinySearchFiles.write(dir);
        Files.writeString(space, Files.readString(space).replace("[arith, capitals, choice]", "[choice]"));
        Path suiteDir = dir.resolve("suite");
        Files.createDirectories(suiteDir.resolve("toy"));
        Files.copy(TinySearchFiles.SUITE.resolveSibling("toy/choice.jsonl"), suiteDir.resolve("toy/choice.jsonl"));
        Path suite = Files.writeString(suiteDir.resolve("mini.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: mini
                slices: [search, heldout]
                split:
                  seed: 20240607
                  fractions: {search: 0.5, heldout: 0.5}
                tasks:
                  - name: choice
                    type: multiple_choice
                    data: toy/choice.jsonl
                    prompt: "{question}\nAnswer:"
                    choices: choices
                    gold: gold
                    metric: acc_norm
                """);
        Files.writeString(dir.resolve("gates.yaml"), """
                format: evomerge-gates
                version: 1
                suite: suite/mini.yaml
                slice: heldout
                gates:
                  - task: choice
                    min: 0.0
                """);
        Path results = dir.resolve("results");
        CommandRun first = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                suite.toString(), "--gates", dir.resolve("gates.yaml").toString(), "--strategy", "random", "--budget",
                "2", "--population", "2", "--top", "1", "--stage", "1", "--out", results.toString(), "--run-id", "r");
        assertEquals(0, first.exit(), first.err());
        Path journal = results.resolve("r").resolve(Journal.FILE);
        byte[] journaled = Files.readAllBytes(journal);

        refusedAfterEdit(dir.resolve("space.yaml"), "weight: [0, 1]", "weight: [0, 0.5]", results,
                "the search space");
        refusedAfterEdit(suite, "acc_norm", "acc", results, "the suite");
        refusedAfterEdit(suiteDir.resolve("toy/choice.jsonl"), "barks", "meows", results, "the suite");
        refusedAfterEdit(dir.resolve("gates.yaml"), "min: 0.0", "min: 0.1", results, "the gates file");
        refusedAfterEdit(journal, "\"seed\":1", "\"seed\":2", results, "edited header");
        refusedAfterEdit(journal, "\"strategy\":\"random\"", "\"strategy\":\"cmaes\"", results, "edited header");
        assertTrue(java.util.Arrays.equals(journaled, Files.readAllBytes(journal)), "refusals write nothing");

        for (String[] flag : List.of(new String[] {"--seed", "5"}, new String[] {"--strategy", "cmaes"},
                new String[] {"--stage", "0.5"}, new String[] {"--top", "2"}, new String[] {"--budget", "1"})) {
            CommandRun r = resume(results, flag);
            assertEquals(3, r.exit(), String.join(" ", flag) + ": " + r.err());
            assertTrue(r.err().strip().lines().count() <= 2, r.err());
            assertTrue(r.err().contains("cannot resume"), r.err());
        }

        CommandRun more = resume(results, "--budget", "4");
        assertEquals(0, more.exit(), more.err());
        assertTrue(more.out().contains("(2 evaluated now, 2 from the journal)"), more.out());
        assertEquals(4, Journal.read(journal).entries().size());
        assertEquals(4, Journal.read(journal).header().get("run").get("budget").asInt());
    }

    private static CommandRun resume(Path results, String... extra) {
        List<String> args = new ArrayList<>(List.of("search", "--resume", "r", "--out", results.toString()));
        args.addAll(List.of(extra));
        return CommandRun.main(args.toArray(String[]::new));
    }

    /** Edits a file, expects resume refused naming {@code what}, restores it, and expects nothing was written. */
    private static void refusedAfterEdit(Path file, String from, String to, Path results, String what)
            throws IOException {
        String text = Files.readString(file);
        assertTrue(text.contains(from), file + " lacks " + from);
        Files.writeString(file, text.replace(from, to));
        try {
            CommandRun r = resume(results);
            assertEquals(3, r.exit(), what + ": " + r.err() + r.out());
            assertTrue(r.err().contains(what), r.err());
            assertFalse(r.out().contains("evaluated now"), r.out());
        } finally {
            Files.writeString(file, text);
        }
    }
}
