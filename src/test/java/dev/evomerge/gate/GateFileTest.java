package dev.evomerge.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.eval.TestFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateFileTest {
    @TempDir
    Path dir;

    private Path gates(String body) {
        return TestFiles.write(dir.resolve("g.yaml"), """
                format: evomerge-gates
                version: 1
                suite: %s
                base: base
                sources: {math: math}
                """.formatted(TestFiles.TOY.toAbsolutePath()) + body);
    }

    private String message(Path f) {
        return assertThrows(UserError.class, () -> GateFile.load(f)).getMessage();
    }

    @Test
    void loadsTheExampleGates() {
        GateFile f = GateFile.load(TestFiles.EXAMPLES.resolve("toy-gates.yaml"));
        assertEquals("heldout", f.slice());
        assertEquals(6, f.gates().size());
        assertEquals(new Gate.Distance(1, 0.5, true), f.gates().getFirst());
        Gate.Metric rel = (Gate.Metric) f.gates().get(1);
        assertEquals(Gate.Kind.MIN_RELATIVE, rel.kind());
        assertEquals("exact_match", rel.metric(), "the task's primary metric by default");
        assertEquals("math", rel.source());
        Gate.Metric drop = (Gate.Metric) f.gates().get(3);
        assertEquals("base", drop.source());
        assertTrue(((Gate.Metric) f.gates().get(4)).confidence());
        assertEquals(TestFiles.EXAMPLES.toAbsolutePath().resolve("models/math-specialist"), f.reference("math"));
    }

    @Test
    void unknownTaskSourceAndMetricAreRefused() {
        String m = message(gates("gates:\n  - {task: arithmetic, min: 0.5}\n"));
        assertTrue(m.contains("gate #1: 'task' names unknown task 'arithmetic'") && m.contains("has: arith, capitals"),
                m);
        m = message(gates("gates:\n  - {task: arith, min_relative: 0.9, source: code}\n"));
        assertTrue(m.endsWith("gate #1: 'source' names unknown source 'code' (known: math, base)"), m);
        m = message(gates("gates:\n  - {task: choice, metric: f1, min: 0.5}\n"));
        assertTrue(m.endsWith("unknown metric 'f1' for a multiple_choice task (known: acc, acc_norm, acc_norm_bytes)"),
                m);
    }

    @Test
    void directionMistakesAreRefused() {
        String m = message(gates("gates:\n  - {task: text, min: 30}\n"));
        assertTrue(m.endsWith("'min' cannot gate token_perplexity, where lower is better; use max"), m);
        m = message(gates("gates:\n  - {task: arith, max: 0.9}\n"));
        assertTrue(m.endsWith("'max' cannot gate exact_match, where higher is better; use min"), m);
        m = message(gates("gates:\n  - {task: arith, min: 0.5, max_drop: 0.1}\n"));
        assertTrue(m.contains("give exactly one of") && m.contains("[min, max_drop]"), m);
        m = message(gates("gates:\n  - {task: arith, max_drop: 0.1, source: math}\n"));
        assertTrue(m.contains("max_drop always compares with 'base'"), m);
    }

    @Test
    void versionsAndUnknownKeysAreRefused() {
        Path f = TestFiles.write(dir.resolve("v.yaml"), "format: evomerge-gates\nversion: 7\n");
        assertEquals("gates " + f + " has format version 7, but this evomerge reads version 1 only", message(f));
        String m = message(gates("gates:\n  - {task: arith, min: 0.5, confidance: true}\n"));
        assertTrue(m.contains("gate #1: unknown key 'confidance'"), m);
        m = message(gates("gates:\n  - {l2_distance: {max: 1, relativ: true}}\n"));
        assertTrue(m.contains("unknown key 'relativ'"), m);
        assertEquals(dir.resolve("none.yaml") + " does not exist", message(dir.resolve("none.yaml")));
    }

    @Test
    void referencesNeedTheirModels() {
        Path f = TestFiles.write(dir.resolve("nb.yaml"), """
                format: evomerge-gates
                version: 1
                suite: %s
                gates:
                  - {task: arith, max_drop: 0.1}
                """.formatted(TestFiles.TOY.toAbsolutePath()));
        assertTrue(message(f).endsWith("max_drop compares with the base, so the file needs 'base'"), message(f));
        Path s = TestFiles.write(dir.resolve("sl.yaml"), TestFiles.read(f).replace("gates:", "slice: test\ngates:"));
        assertTrue(message(s).contains("'slice' names 'test'"), message(s));
    }

    @Test
    void nanInYamlIsNamedNotCalledInvalidYaml() {
        Path f = gates("gates:\n  - {task: arith, min: .nan}\n");
        assertEquals(f + " (line 7): value '.nan' is NaN, but numbers must be finite", message(f));
    }
}
