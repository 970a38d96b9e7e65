package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.SearchLoop;
import dev.evomerge.search.TinySearchFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export RUN --candidate N OUT/} and {@code search --resume results/<run-id>} on one small finished run. */
class ExportCommandTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void search() throws IOException {
        TinySearchFiles.write(dir);
        TinySearchFiles.writeGates(dir);
        CommandRun r = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--gates", dir.resolve("gates.yaml").toString(), "--strategy",
                "random", "--budget", "2", "--population", "2", "--threads", "2", "--top", "1", "--out",
                dir.resolve("results").toString(), "--run-id", "r1");
        assertEquals(0, r.exit(), r.err() + r.out());
        run = dir.resolve("results/r1");
    }

    private static final List<String> CHECKPOINT_FILES = List.of("model.safetensors", "config.json",
            "mergekit_config.yml", "tokenizer.json");

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        for (String f : CHECKPOINT_FILES) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f);
        }
    }

    @Test
    void anAcceptedCandidateExportsToTheFinishsBytes() throws IOException {
        JsonNode finish = new ObjectMapper().readTree(run.resolve("finish.json").toFile());
        JsonNode accepted = finish.get("candidates").get(0);
        assertTrue(accepted.get("accepted").asBoolean(), accepted.toString());
        int index = accepted.get("index").asInt();
        Path out = dir.resolve("export-" + index);
        CommandRun r = CommandRun.main("export", run.toString(), "--candidate", Integer.toString(index),
                out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote candidate " + index + " of r1"), r.out());
        assertSameFiles(run.resolve(accepted.get("checkpoint").asText()), out);
    }

    @Test
    void aCandidateOutsideTheTopKExportsAsItsRecipeMerges() throws IOException {
        List<JournalEntry> ranked = SearchLoop.ranked(Journal.read(run.resolve("journal.jsonl")).entries());
        JournalEntry last = ranked.getLast();
        Path out = dir.resolve("export-last");
        CommandRun r = CommandRun.main("export", "r1", "--out", dir.resolve("results").toString(), "--candidate",
                Integer.toString(last.index()), out.toString());
        assertEquals(0, r.exit(), r.err());
        Path recipe = Files.writeString(dir.resolve("last.yaml"), last.recipeYaml());
        CommandRun merged = CommandRun.main("merge", recipe.toString(), dir.resolve("merged-last").toString(), "-q");
        assertEquals(0, merged.exit(), merged.err());
        assertSameFiles(dir.resolve("merged-last"), out);
    }

    @Test
    void anUnknownCandidateAndAnExistingOutputAreOneLineErrors() throws IOException {
        CommandRun none = CommandRun.main("export", run.toString(), "--candidate", "99", dir.resolve("x").toString());
        assertEquals(3, none.exit());
        assertEquals("evomerge: " + run.resolve("journal.jsonl") + " has no candidate 99 (it has 0..1)\n", none.err());
        Files.createDirectories(dir.resolve("taken"));
        CommandRun taken = CommandRun.main("export", run.toString(), "--candidate", "0", dir.resolve("taken")
                .toString());
        assertEquals(3, taken.exit());
        assertEquals("evomerge: " + dir.resolve("taken") + " already exists; pass --overwrite to replace it\n",
                taken.err());
    }

    /** The library's refusal names no flag; the CLI says which one continues the run. */
    @Test
    void searchingIntoAnExistingRunNamesResume() {
        CommandRun again = CommandRun.main("search", dir.resolve("space.yaml").toString(), "--suite",
                TinySearchFiles.SUITE.toString(), "--gates", dir.resolve("gates.yaml").toString(), "--out",
                dir.resolve("results").toString(), "--run-id", "r1");
        assertEquals(3, again.exit(), again.err());
        assertEquals("evomerge: " + run.resolve("journal.jsonl") + " already exists; use --resume to continue that run"
                + " or choose another run id\n", again.err());
    }

    @Test
    void resumeTakesTheRunDirectoryAsTheReadmeWritesIt() {
        CommandRun again = CommandRun.main("search", "--resume", run.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("(0 evaluated now, 2 from the journal)"), again.out());
        assertTrue(again.err().contains("evomerge: run " + run + " (resuming)"), again.err());
    }
}
