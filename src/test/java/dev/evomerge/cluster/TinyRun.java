package dev.evomerge.cluster;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.model.TinyModels;
import dev.evomerge.search.Genome;
import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.SearchRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A real search's files for cluster tests: three tiny random checkpoints, a task-arithmetic space, the toy suite. */
final class TinyRun {
    static final Path SUITE = Path.of("eval-suites/examples/toy.yaml").toAbsolutePath();

    private TinyRun() {
    }

    /** Writes {@code models/base}, {@code models/a}, {@code models/b} and {@code space.yaml} under {@code dir}. */
    static Path write(Path dir) throws IOException {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.write(dir.resolve("models/base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("models/a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("models/b"), Long.MAX_VALUE, 1);
        for (String m : new String[] {"base", "a", "b"}) {
            TinyModels.writeCharTokenizer(dir.resolve("models").resolve(m));
        }
        Path space = dir.resolve("space.yaml");
        Files.writeString(space, """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources:
                  a: models/a
                  b: models/b
                layers: 2
                method: task_arithmetic
                parameters:
                  weight: [0, 1]
                  lambda: {values: [0.5, 1.0]}
                objective:
                  tasks: [arith, capitals, choice]
                """);
        return space;
    }

    /** One random generation of {@code candidates}, evaluated {@code workers} at a time. */
    static SearchRun.Options oneGeneration(Path space, int candidates, int workers, long seed) {
        return new SearchRun.Options(space, SUITE, null, "random", candidates, workers, seed, candidates, 0, 2, 0.5,
                null, false, 64, 5, Map.of(), 2);
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
