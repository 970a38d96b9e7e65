package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComputeDeviceTest {

    @Test
    void parsesTheThreeForms() {
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse("cpu"));
        assertEquals(ComputeDevice.gpu(0), ComputeDevice.parse("cuda"));
        assertEquals(ComputeDevice.gpu(0), ComputeDevice.parse("cuda:0"));
        assertEquals(ComputeDevice.gpu(3), ComputeDevice.parse("CUDA:3"));
        assertEquals(ComputeDevice.gpu(12), ComputeDevice.parse(" cuda:12 "));
        assertEquals("cuda:3", ComputeDevice.gpu(3).toString());
        assertEquals("cpu", ComputeDevice.CPU.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tpu", "cuda:-1", "cuda:x", "cuda:", "cuda:1.5", "cuda:0x1", "gpu", "", "cpu:0",
            "cuda:99999999999"})
    void refusesAnythingElseNamingTheValue(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(bad));
        assertTrue(e.getMessage().endsWith("but was '" + bad + "'"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the device must be cpu, cuda or cuda:N"), e.getMessage());
    }

    @Test
    void theRecordRefusesImpossibleDevices() {
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.gpu(-1));
        assertThrows(IllegalArgumentException.class, () -> new ComputeDevice(false, 2));
    }

    @Test
    void precisionParsesAndRefusesBfloat16WithTheReason() {
        assertEquals(Precision.FLOAT16, Precision.parse("float16"));
        assertEquals(Precision.FLOAT16, Precision.parse("fp16"));
        assertEquals(Precision.FLOAT32, Precision.parse("FLOAT32"));
        IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                () -> Precision.parse("bfloat16"));
        assertTrue(bf16.getMessage().contains("GetScalarTypeFromDType"), bf16.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> Precision.parse("int8"));
        assertTrue(other.getMessage().endsWith("but was 'int8'"), other.getMessage());
    }

    @Test
    void runtimeOptionsCarryTheDeviceAndItsDefaultPrecision() {
        RuntimeOptions cpu = RuntimeOptions.defaults();
        assertEquals(ComputeDevice.CPU, cpu.device());
        assertEquals(Precision.FLOAT32, cpu.precision());
        RuntimeOptions gpu = cpu.withIntraOpThreads(2).withDevice(ComputeDevice.gpu(1));
        assertEquals(ComputeDevice.gpu(1), gpu.device());
        assertEquals(Precision.FLOAT16, gpu.precision(), "CUDA computes in float16 unless told otherwise");
        assertEquals(2, gpu.intraOpThreads());
        assertEquals(Precision.FLOAT32, gpu.withPrecision(Precision.FLOAT32).precision());
        assertEquals(ComputeDevice.gpu(1), gpu.withBatching(4, 100).withPrependBos(false).withMaxSequenceLength(9)
                .device(), "every with* keeps the device");
        assertThrows(NullPointerException.class, () -> cpu.withDevice(null));
        assertThrows(NullPointerException.class, () -> cpu.withPrecision(null));
    }

    @Test
    void theCpuBuildRunsOnTheCpu() {
        assertEquals("cpu", ComputeDevice.bundledFlavor(), "the default build bundles the CPU libtorch");
        ComputeDevice.CPU.requireAvailable();
    }

    /** This machine (and CI) has no CUDA GPU, and the default build's PyTorch has no CUDA: refused in one line. */
    @Test
    void cudaWithoutAGpuIsOneUserErrorLine() {
        UserError e = assertThrows(UserError.class, () -> ComputeDevice.gpu(0).requireAvailable());
        assertTrue(e.getMessage().startsWith("cuda:0: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        ModelConfig c = ModelConfig.fromJson(TinyModels.qwen2Json());
        try (InMemoryTensors w = TinyModels.random(c, 1, DType.F32)) {
            UserError model = assertThrows(UserError.class, () -> LlamaModel.fromTensors(c, w, null,
                    RuntimeOptions.defaults().withDevice(ComputeDevice.gpu(1))));
            assertTrue(model.getMessage().startsWith("cuda:1: "), model.getMessage());
        }
    }
}
