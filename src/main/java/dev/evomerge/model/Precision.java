package dev.evomerge.model;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;
import java.util.Objects;

/**
 * The floating-point type of a model's weights and matmuls. Norm statistics, attention softmax and log-softmax of
 * the logits run in float32 whatever this is (as Hugging Face's Llama does in half precision).
 */
public enum Precision {
    FLOAT32(DataType.FLOAT32),
    FLOAT16(DataType.FLOAT16);

    private final DataType djl;

    Precision(DataType djl) {
        this.djl = djl;
    }

    /**
     * What a device computes in unless told otherwise: float16 on CUDA (tensor cores, half the memory); float32 on
     * the CPU, where PyTorch's float16 matmul is hundreds of times slower (0.4 vs 186 GFLOP/s, issue 10).
     */
    public static Precision defaultFor(ComputeDevice device) {
        return device.cuda() ? FLOAT16 : FLOAT32;
    }

    /**
     * {@code float32} or {@code float16} (also {@code fp32}, {@code fp16}, {@code half}); bfloat16 is refused with the
     * reason, anything else naming the value.
     */
    public static Precision parse(String text) {
        String s = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "float32", "fp32" -> FLOAT32;
            case "float16", "fp16", "half" -> FLOAT16;
            case "bfloat16", "bf16" -> throw new IllegalArgumentException("bfloat16 compute is not supported: DJL's "
                    + "PyTorch bridge maps no bfloat16 tensor type (GetScalarTypeFromDType) and the process aborts; "
                    + "use float16 (CUDA's default) or float32");
            default -> throw new IllegalArgumentException("the dtype must be float32 or float16, but was '" + text
                    + "'");
        };
    }

    DataType djl() {
        return djl;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
