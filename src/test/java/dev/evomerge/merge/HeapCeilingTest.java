package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.io.Trees;
import dev.evomerge.merge.methods.MergeMethods;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every method merges a model whose largest tensor is 1 GiB in float32 within a 512 MB heap: a forked JVM
 * with {@code -Xmx512m} runs {@link HeapCeilingMain}. A few minutes on 2 cores (generating three 0.5 GB
 * checkpoints, then one merge of 2^28-element tensors per method), so it is outside the default suite:
 * {@code mvn -B -o test -Dtest=HeapCeilingTest -Devomerge.heavy=true}.
 */
@EnabledIfSystemProperty(named = "evomerge.heavy", matches = "true")
class HeapCeilingTest {
    static final List<String> METHODS = MergeMethods.names();

    @Test
    void streamedMethodsStayWithin512MegabytesOfHeap() throws IOException, InterruptedException {
        Path dir = Path.of("target", "heap-ceiling");
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-Xmx") && !arg.startsWith("-javaagent")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
                HeapCeilingMain.class.getName(), dir.toString()));
        cmd.addAll(METHODS);
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(child.waitFor(10, TimeUnit.MINUTES), "the heap-ceiling merges finish within 10 minutes");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), out);
            for (String method : METHODS) {
                assertTrue(out.contains(method + " peak heap"), method + " merged within -Xmx512m:\n" + out);
            }
        } finally {
            child.destroyForcibly();
            Trees.delete(dir);
        }
    }
}
