package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.eval.ModelProvider;
import dev.evomerge.eval.Oracle;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.TestFiles;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code --device} and {@code --dtype} on every command that runs models; this machine has no CUDA GPU. */
class DeviceOptionTest {
    @TempDir
    Path dir;

    /** Each command with its other required arguments; nothing they name needs to exist for these checks. */
    static Stream<List<String>> commands() {
        return Stream.of(
                List.of("eval", "model", "--suite", "suite.yaml"),
                List.of("gate", "candidate", "--gates", "gates.yaml"),
                List.of("search", "space.yaml", "--suite", "suite.yaml"),
                List.of("sweep", "space.yaml", "--suite", "suite.yaml"),
                List.of("worker", "--port", "5799"));
    }

    private static CommandRun run(List<String> command, String... extra) {
        return CommandRun.main(Stream.concat(command.stream(), Stream.of(extra)).toArray(String[]::new));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void badDevicesAreUsageErrorsNamingTheValue(List<String> command) {
        for (String bad : List.of("tpu", "cuda:-1", "cuda:x")) {
            CommandRun r = run(command, "--device", bad);
            assertEquals(2, r.exit(), command + " --device " + bad + ": " + r.err());
            assertTrue(r.err().startsWith("evomerge: Invalid value for option '--device': the device must be cpu, cuda"
                    + " or cuda:N with N a GPU index from 0, but was '" + bad + "'"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        CommandRun bf16 = run(command, "--dtype", "bfloat16");
        assertEquals(2, bf16.exit(), bf16.err());
        assertTrue(bf16.err().lines().findFirst().orElseThrow().startsWith(
                "evomerge: Invalid value for option '--dtype': bfloat16 compute is not supported: DJL's PyTorch bridge"),
                bf16.err());
    }

    /** Refused before any file is read (none of the named files exist): one line, exit 3. */
    @ParameterizedTest
    @MethodSource("commands")
    void cudaOnAMachineWithoutCudaIsOneLineAndExitThree(List<String> command) {
        for (String device : List.of("cuda", "cuda:1")) {
            CommandRun r = run(command, "--device", device);
            assertEquals(3, r.exit(), command + ": " + r.err());
            String id = device.equals("cuda") ? "cuda:0" : device;
            assertTrue(r.err().startsWith("evomerge: --device " + id + ": "), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void aWorkersGpusAreCheckedAndExcludeDevice() {
        CommandRun gpus = CommandRun.main("worker", "--port", "5799", "--gpus", "0,1");
        assertEquals(3, gpus.exit(), gpus.err());
        assertTrue(gpus.err().startsWith("evomerge: --device cuda:0: "), gpus.err());
        assertEquals(1, gpus.err().lines().count(), gpus.err());
        CommandRun both = CommandRun.main("worker", "--port", "5799", "--gpus", "0", "--device", "cuda:0");
        assertEquals(2, both.exit(), both.err());
        assertTrue(both.err().startsWith("evomerge: give --device or --gpus, not both"), both.err());
        CommandRun negative = CommandRun.main("worker", "--port", "5799", "--gpus", "-1");
        assertEquals(2, negative.exit(), negative.err());
        assertTrue(negative.err().startsWith("evomerge: --gpus takes GPU indices from 0, but was given -1"),
                negative.err());
    }

    @Test
    void goodValuesParse() {
        EvalCommand eval = new EvalCommand(new ModelProvider(d -> null, d -> "x"));
        new CommandLine(eval).parseArgs("m", "--suite", "s.yaml");
        assertNull(eval.device.device, "no --device: the CPU");
        new CommandLine(eval).parseArgs("m", "--suite", "s.yaml", "--device", "cuda:3", "--dtype", "float32");
        assertEquals(ComputeDevice.gpu(3), eval.device.device);
        assertEquals(Precision.FLOAT32, eval.device.precision);
        SearchCommand search = new SearchCommand();
        new CommandLine(search).parseArgs("space.yaml", "--suite", "s.yaml", "--device", "cuda");
        assertEquals(ComputeDevice.gpu(0), search.opts.device.device);
    }

    @Test
    void cpuScoresAsBefore() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("model"));
        AtomicInteger opens = new AtomicInteger();
        var toy = Suite.load(TestFiles.TOY);
        ModelProvider provider = new ModelProvider(d -> {
            opens.incrementAndGet();
            return Oracle.of(toy, java.util.Set.of("h1"));
        }, d -> "f00d");
        CommandRun r = CommandRun.of(new EvalCommand(provider), dir.resolve("model").toString(), "--suite",
                TestFiles.TOY.toString(), "--no-cache", "--device", "cpu", "--dtype", "float32");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, opens.get());
    }
}
