package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.Precision;
import dev.evomerge.model.RuntimeOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where models run and in what float type: the options of every command that runs models (eval, gate, search...). */
final class DeviceOptions {
    @Option(names = "--device", paramLabel = "cpu|cuda|cuda:N", converter = DeviceConverter.class,
            description = "Where models run (default: cpu). CUDA needs the GPU build: see README, Runtime / GPU.")
    ComputeDevice device;

    @Option(names = "--dtype", paramLabel = "float32|float16", converter = PrecisionConverter.class,
            description = "Float type of the weights and matmuls (default: float16 on CUDA, float32 on cpu). "
                    + "bfloat16 is not supported.")
    Precision precision;

    /**
     * {@code base} on these flags' device and precision, warnings to {@code err}. A GPU this process cannot use is
     * refused here (one line, exit 3) before any file is read.
     */
    RuntimeOptions runtime(RuntimeOptions base, PrintWriter err) {
        return on(device == null ? ComputeDevice.CPU : device, base, err);
    }

    /**
     * A worker's: with {@code --gpus} every slot has its own GPU (each is checked here), so {@code --device} is
     * refused as a usage error; without, {@link #runtime}.
     */
    RuntimeOptions workerRuntime(RuntimeOptions base, List<Integer> gpus, CommandLine.Model.CommandSpec spec,
                                 PrintWriter err) {
        if (gpus.isEmpty()) {
            return runtime(base, err);
        }
        if (device != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --device or --gpus, not both: --gpus "
                    + gpus.stream().map(String::valueOf).collect(Collectors.joining(",")) + " already runs one slot "
                    + "on each of those CUDA GPUs");
        }
        gpus.forEach(id -> requireAvailable(ComputeDevice.gpu(id)));
        return on(ComputeDevice.gpu(gpus.get(0)), base, err);
    }

    private RuntimeOptions on(ComputeDevice d, RuntimeOptions base, PrintWriter err) {
        RuntimeOptions r = base.withDevice(d).withWarnings(w -> {
            err.println("evomerge: warning: " + w);
            err.flush();
        });
        if (precision != null) {
            r = r.withPrecision(precision);
        }
        requireAvailable(r.device());
        return r;
    }

    /** The library's refusal names the device; the user gave it as {@code --device}. */
    private static void requireAvailable(ComputeDevice d) {
        try {
            d.requireAvailable();
        } catch (UserError e) {
            throw new UserError("--device " + e.getMessage(), e);
        }
    }

    static final class DeviceConverter implements CommandLine.ITypeConverter<ComputeDevice> {
        @Override
        public ComputeDevice convert(String value) {
            try {
                return ComputeDevice.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PrecisionConverter implements CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
