package dev.evomerge.cluster;

import dev.evomerge.search.Genome;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunOptions;
import dev.evomerge.search.TinySearchFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A real search's files for cluster tests: three tiny random checkpoints, a task-arithmetic space, the toy suite. */
final class TinyRun {
    static final Path SUITE = TinySearchFiles.SUITE;

    private TinyRun() {
    }

    /** Writes {@code models/base}, {@code models/a}, {@code models/b} and {@code space.yaml} under {@code dir}. */
    static Path write(Path dir) throws IOException {
        return TinySearchFiles.write(dir);
    }

    /** One random generation of {@code candidates}, evaluated {@code workers} at a time. */
    static RunOptions oneGeneration(Path space, int candidates, int workers, long seed) {
        return RunOptions.defaults(space, SUITE).withBudget(candidates).withWorkers(workers).withSeed(seed)
                .withPopulation(candidates).withTopK(2).withStageFraction(0.5).withTensorCacheMb(64).withThreads(2);
    }

    /** Genome to (status, scores, fitness bits, recipe): what must not depend on where a candidate ran. */
    static Map<Genome, String> outcomes(List<JournalEntry> entries) {
        Map<Genome, String> m = new HashMap<>();
        for (JournalEntry e : entries) {
            String previous = m.put(e.genome(), e.status() + " " + new TreeMap<>(e.scores()) + " "
                    + Double.doubleToLongBits(e.fitness()) + " " + e.recipeYaml());
            if (previous != null) {
                throw new AssertionError("journaled twice: " + e.genome());
            }
        }
        return m;
    }
}
