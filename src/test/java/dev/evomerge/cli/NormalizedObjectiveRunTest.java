package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.search.Journal;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.Normalization;
import dev.evomerge.search.TinySearchFiles;
import dev.evomerge.search.space.Objective;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A perplexity task beside a multiple-choice task: the search normalizes by retention without being asked (the
 * tasks differ in metric and direction), journals the constants in the header, scores every candidate by them, and a
 * resumed run keeps the journaled constants rather than recomputing them.
 */
class NormalizedObjectiveRunTest {
    @TempDir
    Path dir;

    @Test
    void mixedMetricsAreNormalizedJournaledAndKeptOnResume() throws IOException {
        Path space = TinySearchFiles.write(dir);
        Files.writeString(space, Files.readString(space).replace("[arith, capitals, choice]", "[choice, text]\n"
                + "  aggregate: min"));
        Path suiteDir = dir.resolve("suite");
        Files.createDirectories(suiteDir.resolve("toy"));
        for (String f : List.of("choice.jsonl", "text-search.jsonl", "text-heldout.jsonl")) {
            Files.copy(TinySearchFiles.SUITE.resolveSibling("toy/" + f), suiteDir.resolve("toy/" + f));
        }
        Path suite = Files.writeString(suiteDir.resolve("mixed.yaml"), """
                format: evomerge-eval-suite
                version: 1
                name: mixed
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
                  - name: text
                    type: perplexity
                    data: {search: toy/text-search.jsonl, heldout: toy/text-heldout.jsonl}
                    text: "{text}"
                """);
        Path results = dir.resolve("results");
        CommandRun first = CommandRun.main("search", space.toString(), "--suite", suite.toString(), "--strategy",
                "random", "--budget", "3", "--population", "3", "--top", "1", "--out", results.toString(),
                "--run-id", "r");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("normalized by retention"), first.err());
        Path journal = results.resolve("r").resolve(Journal.FILE);
        Journal.Contents c = Journal.read(journal);
        Objective.Retention r = Normalization.fromHeader(c.header());
        assertTrue(r.tasks().get("text").log(), "perplexity on a log scale: " + r);
        assertTrue(!r.tasks().get("choice").log());
        Objective objective = SearchSpaces.load(space).objective().withRetention(r);
        for (JournalEntry e : c.entries()) {
            assertEquals(objective.scalar(e.scores()), e.fitness(), 0, "entry " + e.index());
            assertTrue(e.fitness() > -10 && e.fitness() < 10, "retention, not a raw perplexity: " + e.fitness());
        }

        // Tamper with the journaled constants: the resumed run must score its new candidates by them.
        ObjectNode h = c.header().deepCopy();
        ((ObjectNode) h.get(Normalization.HEADER).get("choice")).put("base", -1.0).put("top", 1.0);
        Journal.replaceHeader(journal, c, h);
        Objective.Retention tampered = Normalization.fromHeader(h);
        assertNotEquals(r, tampered);
        CommandRun more = CommandRun.main("search", "--resume", "r", "--out", results.toString(), "--budget", "5");
        assertEquals(0, more.exit(), more.err());
        Journal.Contents after = Journal.read(journal);
        JsonNode kept = after.header().get(Normalization.HEADER);
        assertEquals(Normalization.toJson(tampered), kept);
        Objective resumed = objective.withRetention(tampered);
        for (JournalEntry e : after.entries().subList(3, after.entries().size())) {
            assertEquals(resumed.scalar(e.scores()), e.fitness(), 0, "resumed entry " + e.index());
        }
    }
}
