package dev.evomerge.search.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.SearchRun;
import dev.evomerge.search.TinySearchFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefineResumeTest {

    private static RunOptions options(Path space, int budget) {
        return RunOptions.defaults(space, TinySearchFiles.SUITE).withStrategy("refine").withBudget(budget)
                .withSeed(3).withTopK(2).withStageFraction(1.0).withTensorCacheMb(64).withThreads(1);
    }

    /**
     * A refinement stopped after two steps and resumed with a larger budget evaluates only the new steps, computes
     * only the new gradients, and journals exactly the genomes of an uninterrupted run.
     */
    @Test
    void resumeMidRefinementRepeatsNothing(@TempDir Path dir) throws IOException {
        Path space = TinySearchFiles.write(dir);
        SearchRun.RunOutcome whole = SearchRun.run(options(space, 5), dir.resolve("whole"), false, null);

        SearchRun.run(options(space, 3), dir.resolve("split"), false, null);
        assertEquals(3, gradientGenomes(dir.resolve("split")).size() + 1, "start, step 1, step 2: two gradients");
        SearchRun.RunOutcome resumed = SearchRun.run(options(space, 5), dir.resolve("split"), true, null);

        assertEquals(3, resumed.replayed());
        assertEquals(2, resumed.evaluatedNow());
        assertEquals(genomes(whole.entries()), genomes(resumed.entries()));
        List<String> logged = gradientGenomes(dir.resolve("split"));
        assertEquals(4, logged.size(), "one gradient per step, none computed twice: " + logged);
        assertEquals(4, new HashSet<>(logged).size());
        assertEquals(gradientGenomes(dir.resolve("whole")), logged);
    }

    private static List<String> genomes(List<JournalEntry> entries) {
        return entries.stream().map(e -> e.genome().toString()).toList();
    }

    private static List<String> gradientGenomes(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(run.resolve(GradientLog.FILE));
        ObjectMapper json = new ObjectMapper();
        for (String l : lines.subList(1, lines.size())) {
            JsonNode n = json.readTree(l);
            out.add(n.get("genome").toString());
        }
        return out;
    }
}
