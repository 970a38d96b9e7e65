package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local search in a fresh JVM loads no Hazelcast class and none of evomerge's cluster package. */
class LocalModeLoadsNoClusterTest {
    @TempDir
    Path dir;

    @Test
    void localSearchNeverLoadsTheClusterEngine() throws Exception {
        var dims = new SyntheticCheckpoints.Dims(99, 16, 32, 2, 4, 2, false, false);
        var base = SyntheticCheckpoints.Model.base(dims, DType.F32, 5);
        base.write(dir.resolve("models/base"), Long.MAX_VALUE, 1);
        base.fineTune(1, 0.05).write(dir.resolve("models/a"), Long.MAX_VALUE, 1);
        TinyModels.writeCharTokenizer(dir.resolve("models/base"));
        TinyModels.writeCharTokenizer(dir.resolve("models/a"));
        Files.writeString(dir.resolve("space.yaml"), """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources:
                  a: models/a
                layers: 2
                method: task_arithmetic
                parameters:
                  weight: [0, 1]
                objective:
                  tasks: [choice]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("child.log");
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Devomerge.cache.dir=" + dir.resolve("cache"), "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "search",
                dir.resolve("space.yaml").toString(), "--suite",
                Path.of("eval-suites/examples/toy.yaml").toAbsolutePath().toString(), "--strategy", "random",
                "--budget", "2", "--population", "2", "--threads", "1", "--out", dir.resolve("results").toString(),
                "--run-id", "r")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the local search finished");
        List<String> lines = Files.readAllLines(log);
        assertEquals(0, p.exitValue(), String.join("\n", lines.subList(Math.max(0, lines.size() - 20),
                lines.size())));
        assertTrue(lines.stream().anyMatch(l -> l.contains("dev.evomerge.search.LocalBackend")),
                "the class-load log is read");
        assertFalse(lines.stream().anyMatch(l -> l.contains("com.hazelcast.")),
                lines.stream().filter(l -> l.contains("com.hazelcast.")).findFirst().orElse(""));
        assertFalse(lines.stream().anyMatch(l -> l.contains("dev.evomerge.cluster.")),
                lines.stream().filter(l -> l.contains("dev.evomerge.cluster.")).findFirst().orElse(""));
    }
}
