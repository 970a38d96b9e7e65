package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.model.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval and gate through the real runtime on random tiny checkpoints (no fakes): outputs, JSON and exit codes. */
class EvalGateEndToEndTest {
    private static final Path SUITE = Path.of("eval-suites/examples/toy.yaml").toAbsolutePath();

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.write(dir.resolve("base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("tuned"), Long.MAX_VALUE, 1);
        base.fineTune(2, 5.0).write(dir.resolve("far"), Long.MAX_VALUE, 1);
        for (String m : new String[] {"base", "tuned", "far"}) {
            TinyModels.writeCharTokenizer(dir.resolve(m));
        }
    }

    static CommandRun run(String... args) {
        return CommandRun.main(args);
    }

    @Test
    void evalScoresEveryTaskAndWritesHarnessShapedJson() throws IOException {
        Path json = dir.resolve("eval.json");
        CommandRun r = run("eval", dir.resolve("tuned").toString(), "--suite", SUITE.toString(), "--slice", "heldout",
                "--limit", "2", "--no-cache", "-o", json.toString());
        assertEquals(0, r.exit(), r.err());
        for (String task : new String[] {"arith", "capitals", "choice", "text"}) {
            assertTrue(r.out().contains(task), r.out());
        }
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        double acc = results.get("choice").get("acc,none").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy in [0, 1]: " + acc);
        double ppl = results.get("text").get("token_perplexity,none").asDouble();
        // A random model over 99 tokens is close to uniform: perplexity near the vocabulary size.
        assertTrue(ppl > 20 && ppl < 500, "random-model perplexity near the vocabulary size: " + ppl);
    }

    private static Path gates(String name, String body) throws IOException {
        Path g = dir.resolve(name + ".yaml");
        Files.writeString(g, """
                format: evomerge-gates
                version: 1
                suite: %s
                slice: heldout
                base: %s
                gates:
                %s
                """.formatted(SUITE, dir.resolve("base"), body));
        return g;
    }

    @Test
    void gatePassesANearbyCandidateAndRejectsOneThatLeftTheBasin() throws IOException {
        Path g = gates("l2", "  - l2_distance: {max: 0.5, relative: true}\n");
        CommandRun near = run("gate", dir.resolve("tuned").toString(), "--gates", g.toString(), "--no-cache",
                "--report", dir.resolve("near.json").toString());
        assertEquals(0, near.exit(), near.out() + near.err());
        CommandRun far = run("gate", dir.resolve("far").toString(), "--gates", g.toString(), "--no-cache",
                "--report", dir.resolve("far.json").toString());
        assertEquals(1, far.exit(), far.out() + far.err());
        assertTrue(far.out().toLowerCase().contains("fail"), far.out());
        assertTrue(Files.exists(dir.resolve("far.json")));
    }

    @Test
    void gateOnAPerplexityCeilingUsesRealInference() throws IOException {
        Path g = gates("ppl", "  - task: text\n    metric: token_perplexity\n    max: 1.5\n");
        CommandRun r = run("gate", dir.resolve("tuned").toString(), "--gates", g.toString(), "--no-cache", "--limit", "2",
                "--report", dir.resolve("ppl.json").toString());
        assertEquals(1, r.exit(), "a random model cannot reach perplexity 1.5: " + r.out() + r.err());
    }
}
