package dev.evomerge.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards the committed zoo ({@code models/zoo}, {@code eval-suites/zoo}): on the first 20 heldout problems of each
 * skill, every specialist solves its own skill and the base none, through the runtime as {@code eval} scores them.
 * Catches a commit of broken or mismatched weights or slices in seconds.
 */
class ShippedZooTest {
    private static final Path ZOO = Path.of("models", "zoo");
    private static final Path SUITE = Path.of("eval-suites", "zoo", "zoo");
    private static final int N = 20;

    private static double accuracy(LlamaModel model, Skill skill) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> prompts = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (String line : Files.readAllLines(SUITE.resolve(skill.keyword() + "-heldout.jsonl")).subList(0, N)) {
            JsonNode n = json.readTree(line);
            prompts.add(skill.keyword() + " " + n.get("input").asText() + "=");
            answers.add(n.get("answer").asText());
        }
        List<String> got = model.generate(prompts, new LanguageModel.Generation(10, List.of("\n")));
        int ok = 0;
        for (int i = 0; i < N; i++) {
            ok += got.get(i).trim().equals(answers.get(i)) ? 1 : 0;
        }
        return (double) ok / N;
    }

    @Test
    void specialistsSolveTheirSkillAndTheBaseDoesNot() throws IOException {
        RuntimeOptions options = RuntimeOptions.defaults().withIntraOpThreads(1);
        try (LlamaModel base = LlamaModel.load(ZOO.resolve("base"), options)) {
            for (Skill s : Skill.values()) {
                double acc = accuracy(base, s);
                assertTrue(acc <= 0.2, "base on " + s.keyword() + ": " + acc);
            }
        }
        for (Skill s : Skill.values()) {
            try (LlamaModel m = LlamaModel.load(ZOO.resolve(ZooTrainer.specialistDir(s)), options)) {
                double acc = accuracy(m, s);
                // The bar is 90% on the full held-out slice; every shipped specialist is at 100% there.
                assertTrue(acc >= 0.9, s.keyword() + " specialist on its skill: " + acc);
            }
        }
    }

    @Test
    void suiteSlicesAreTheOnesTheSeedGenerates() throws IOException {
        EvalSets sets = EvalSets.generate(ZooSpec.full().shape(), ZooSpec.full().evalPerSlice(), 1);
        for (Skill s : Skill.values()) {
            List<String> lines = Files.readAllLines(SUITE.resolve(s.keyword() + "-heldout.jsonl"));
            assertEquals(sets.heldout(s).size(), lines.size());
            assertEquals(sets.heldout(s).get(0).input(), new ObjectMapper().readTree(lines.get(0)).get("input").asText());
        }
    }
}
