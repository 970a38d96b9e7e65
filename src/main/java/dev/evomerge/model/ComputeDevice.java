package dev.evomerge.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import dev.evomerge.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a model's weights live and its forward passes run: the CPU, or one CUDA GPU by index.
 *
 * @param cuda  whether this is a CUDA GPU
 * @param index the GPU's index as CUDA numbers them (0 for the CPU)
 */
public record ComputeDevice(boolean cuda, int index) {
    public static final ComputeDevice CPU = new ComputeDevice(false, 0);

    public ComputeDevice {
        if (index < 0) {
            throw new IllegalArgumentException("a GPU index must be at least 0, but was " + index);
        }
        if (!cuda && index != 0) {
            throw new IllegalArgumentException("the CPU has no index, but was given " + index);
        }
    }

    public static ComputeDevice gpu(int index) {
        return new ComputeDevice(true, index);
    }

    /** {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}; anything else is refused naming the value. */
    public static ComputeDevice parse(String text) {
        String s = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda")) {
            return gpu(0);
        }
        if (s.startsWith("cuda:") && s.length() > 5 && s.length() <= 9 && s.substring(5).chars().allMatch(
                c -> c >= '0' && c <= '9')) {
            return gpu(Integer.parseInt(s.substring(5)));
        }
        throw new IllegalArgumentException("the device must be cpu, cuda or cuda:N with N a GPU index from 0, but was '"
                + text + "'");
    }

    /**
     * Refuses, as a {@link UserError}, a device this process cannot use: for a GPU, no CUDA runtime or GPU visible,
     * an index past the last GPU, or a PyTorch build without CUDA; for the CPU, the GPU build on a machine without a
     * GPU. The message starts with the device ({@code cuda:1: ...}). The GPU count is read from the CUDA runtime
     * before PyTorch is loaded: DJL does not load a CUDA build of PyTorch on a machine without a GPU at all (it tries
     * to download a CPU one). Nothing is created on the device.
     */
    public void requireAvailable() {
        if (!cuda) {
            String flavor = bundledFlavor();
            if (flavor.startsWith("cu") && CudaUtils.getGpuCount() == 0) {
                throw new UserError("cpu: this is the GPU build (PyTorch " + flavor + "), which DJL loads only "
                        + "on a machine with a CUDA GPU; use the CPU build (./evomerge without EVOMERGE_CUDA)");
            }
            return;
        }
        int gpus = CudaUtils.getGpuCount();
        if (gpus == 0) {
            throw new UserError(this + ": no CUDA GPU is visible on this machine (no libcudart or no "
                    + "device; see README, Runtime / GPU)");
        }
        if (index >= gpus) {
            throw new UserError(this + ": this machine has " + gpus + " CUDA GPU(s), numbered 0 to "
                    + (gpus - 1));
        }
        Engine engine = Engine.getEngine("PyTorch");
        if (!engine.hasCapability("CUDA")) {
            throw new UserError(this + ": this build's PyTorch " + engine.getVersion() + " has no CUDA; "
                    + "build the GPU variant (EVOMERGE_CUDA=1 ./evomerge, or mvn -Pcuda; see README, Runtime / GPU)");
        }
    }

    /** The flavor of the PyTorch native library on the class path: {@code cpu}, {@code cu124}, ... (or "none"). */
    static String bundledFlavor() {
        try (InputStream in = ComputeDevice.class.getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
            if (in == null) {
                return "none";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("flavor", "none");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The DJL device; call {@link #requireAvailable} first for a GPU. */
    Device djl() {
        return cuda ? Device.gpu(index) : Device.cpu();
    }

    @Override
    public String toString() {
        return cuda ? "cuda:" + index : "cpu";
    }
}
