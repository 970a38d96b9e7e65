package dev.evomerge.search;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.model.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of a real search for end-to-end tests: three tiny random checkpoints sharing a base (with the character
 * tokenizer), and a task-arithmetic space over them scored on the toy suite.
 */
public final class TinySearchFiles {
    public static final Path SUITE = Path.of("eval-suites/examples/toy.yaml").toAbsolutePath();

    private TinySearchFiles() {
    }

    /** Writes {@code models/base}, {@code models/a}, {@code models/b} and {@code space.yaml} under {@code dir}. */
    public static Path write(Path dir) throws IOException {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.write(dir.resolve("models/base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("models/a"), Long.MAX_VALUE, 1);
        base.fineTune(2, 0.05).write(dir.resolve("models/b"), Long.MAX_VALUE, 1);
        for (String m : new String[] {"base", "a", "b"}) {
            TinyModels.writeCharTokenizer(dir.resolve("models").resolve(m));
        }
        return Files.writeString(dir.resolve("space.yaml"), """
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
    }

    /**
     * Writes {@code gates.yaml} under {@code dir}: held-out gates on the toy suite that a tiny candidate passes (an
     * L2 ceiling relative to the base, and a zero floor on {@code choice}).
     */
    public static Path writeGates(Path dir) throws IOException {
        return Files.writeString(dir.resolve("gates.yaml"), """
                format: evomerge-gates
                version: 1
                suite: %s
                slice: heldout
                base: models/base
                gates:
                  - l2_distance: {max: 0.5, relative: true}
                  - task: choice
                    min: 0.0
                """.formatted(SUITE));
    }
}
