package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    static JournalEntry entry(int i, double fitness, CandidateStatus status) {
        return new JournalEntry(i, i / 2, "random", new Genome(new double[] {0.1 * i, 1.0 / 3, 0.0}),
                status.equals(CandidateStatus.REJECTED) ? null : "merge_method: linear\n", i == 2 ? "0:1x1.0" : null,
                status.equals(CandidateStatus.REJECTED) ? Map.of() : Map.of("add", 0.25 * i, "rev", 1.0), fitness, status,
                status.equals(CandidateStatus.EVALUATED) ? null : "why " + i, 1.5, 2.25, 1_700_000_000_000L + i);
    }

    private Path write(List<JournalEntry> entries) {
        Path f = dir.resolve(Journal.FILE);
        ObjectNode config = JsonNodeFactory.instance.objectNode().put("strategy", "random").put("seed", 42);
        try (Journal j = Journal.create(f, config)) {
            entries.forEach(j::write);
        }
        return f;
    }

    @Test
    void entriesRoundTripBitExactIncludingRejectedInfinity() {
        List<JournalEntry> entries = List.of(entry(0, 0.5, CandidateStatus.EVALUATED),
                entry(1, Double.NEGATIVE_INFINITY, CandidateStatus.REJECTED), entry(2, 0.125, CandidateStatus.PRUNED));
        Journal.Contents c = Journal.read(write(entries));
        assertEquals(entries, c.entries());
        assertEquals("evomerge-journal", c.header().get("format").asText());
        assertEquals(Journal.VERSION, c.header().get("version").asInt());
        assertEquals(42, c.header().get("seed").asInt());
        assertFalse(c.tornTail());
        assertNull(c.entries().get(1).recipeYaml());
    }

    @Test
    void tornLastLineIsDroppedAndTruncatedOnAppend() throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED), entry(1, 0.6, CandidateStatus.EVALUATED)));
        long complete = Files.size(f);
        String third = Journal.JSON.writeValueAsString(Journal.toJson(entry(2, 0.7, CandidateStatus.EVALUATED)));
        Files.writeString(f, third.substring(0, third.length() / 2), StandardOpenOption.APPEND);

        Journal.Contents c = Journal.read(f);
        assertTrue(c.tornTail());
        assertEquals(2, c.entries().size());
        assertEquals(complete, c.validBytes());

        try (Journal j = Journal.append(f, c)) {
            j.write(entry(2, 0.7, CandidateStatus.EVALUATED));
        }
        Journal.Contents again = Journal.read(f);
        assertFalse(again.tornTail());
        assertEquals(List.of(entry(0, 0.5, CandidateStatus.EVALUATED), entry(1, 0.6, CandidateStatus.EVALUATED),
                entry(2, 0.7, CandidateStatus.EVALUATED)), again.entries());
    }

    @Test
    void aCompleteLastLineThatDoesNotParseIsCorruptionNotATornWrite() throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED)));
        Files.writeString(f, "{\"index\": 1, \"gen\n", StandardOpenOption.APPEND);
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        assertTrue(e.getMessage().contains(f + " line 3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private Path withLines(List<String> extra) throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED), entry(1, 0.6, CandidateStatus.EVALUATED)));
        Files.write(f, extra, StandardOpenOption.APPEND);
        return f;
    }

    private static String line(JournalEntry e) throws Exception {
        return Journal.JSON.writeValueAsString(Journal.toJson(e));
    }

    private void refused(Path f, String... expected) {
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        for (String x : expected) {
            assertTrue(e.getMessage().contains(x), e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void trailingGarbageAfterAnEntryIsRefused() throws Exception {
        Path f = withLines(List.of(line(entry(2, 0.7, CandidateStatus.EVALUATED)) + " {\"x\": 1}",
                line(entry(3, 0.8, CandidateStatus.EVALUATED))));
        refused(f, f + " line 4");
    }

    @Test
    void duplicateAndOutOfOrderIndicesAreRefused() throws Exception {
        refused(withLines(List.of(line(entry(1, 0.7, CandidateStatus.EVALUATED)))), " line 4", "index 1", "2");
        Files.delete(dir.resolve(Journal.FILE));
        refused(withLines(List.of(line(entry(5, 0.7, CandidateStatus.EVALUATED)))), " line 4", "index 5");
    }

    @Test
    void wrongGeneCountIsRefused() throws Exception {
        Path f = dir.resolve(Journal.FILE);
        ObjectNode config = JsonNodeFactory.instance.objectNode().put("strategy", "random");
        config.putArray("gene_names").add("a").add("b");
        try (Journal j = Journal.create(f, config)) {
            j.write(entry(0, 0.5, CandidateStatus.EVALUATED));
        }
        refused(f, f + " line 2", "3 genes", "2");
    }

    @Test
    void aGeneThatIsNotANumberIsRefused() throws Exception {
        refused(withLines(List.of(line(entry(2, 0.7, CandidateStatus.EVALUATED)).replace("\"genome\":[",
                "\"genome\":[\"x\","))), " line 4", "genome");
    }

    @Test
    void corruptMiddleLineIsRefused() throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED)));
        List<String> lines = Files.readAllLines(f);
        Files.write(f, List.of(lines.get(0), "{not json", lines.get(1)));
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        assertTrue(e.getMessage().contains("line 2 is corrupt"), e.getMessage());
    }

    @Test
    void unknownVersionAndForeignFilesAreRefused() throws Exception {
        Path f = dir.resolve("v3.jsonl");
        Files.writeString(f, "{\"format\":\"evomerge-journal\",\"version\":3}\n", StandardCharsets.UTF_8);
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        assertTrue(e.getMessage().contains("version 3") && e.getMessage().contains("version 2 only"),
                e.getMessage());
        Path g = dir.resolve("other.jsonl");
        Files.writeString(g, "{\"format\":\"evomerge-eval-suite\",\"version\":1}\n");
        assertTrue(assertThrows(UserError.class, () -> Journal.read(g)).getMessage()
                .contains("not an evomerge journal"));
    }

    @Test
    void aVersionOneJournalWithoutRecordedInputsIsRefusedWithAReason() throws Exception {
        Path f = dir.resolve("v1.jsonl");
        Files.writeString(f, "{\"format\":\"evomerge-journal\",\"version\":1,\"seed\":1}\n");
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        assertTrue(e.getMessage().contains("version 1") && e.getMessage().contains("start a new run"),
                e.getMessage());
    }

    @Test
    void anEditedHeaderIsRefused() throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED)));
        String text = Files.readString(f);
        Files.writeString(f, text.replace("\"seed\":42", "\"seed\":43"));
        UserError e = assertThrows(UserError.class, () -> Journal.read(f));
        assertTrue(e.getMessage().contains("edited header"), e.getMessage());
        Files.writeString(f, text.replace("\"strategy\":\"random\"", "\"strategy\":\"cmaes\""));
        assertTrue(assertThrows(UserError.class, () -> Journal.read(f)).getMessage().contains("edited header"));
    }

    @Test
    void replacingTheHeaderKeepsTheEntriesAndDropsATornTail() throws Exception {
        Path f = write(List.of(entry(0, 0.5, CandidateStatus.EVALUATED), entry(1, 0.6, CandidateStatus.EVALUATED)));
        Files.writeString(f, "{\"index\": 2", StandardOpenOption.APPEND);
        Journal.Contents c = Journal.read(f);
        Journal.Contents d = Journal.replaceHeader(f, c, c.header().deepCopy().put("budget", 9));
        assertEquals(9, d.header().get("budget").asInt());
        assertEquals(c.entries(), d.entries());
        assertFalse(d.tornTail());
    }

    @Test
    void createRefusesToOverwriteARun() {
        Path f = write(List.of());
        assertThrows(UserError.class, () -> Journal.create(f, JsonNodeFactory.instance.objectNode()));
    }
}
