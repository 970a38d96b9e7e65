package dev.evomerge.checkpoint;

import dev.evomerge.UserError;
import java.util.Arrays;
import java.util.Locale;

/** Safetensors element types. F32, F16 and BF16 convert to float for merging; the rest pass through as bytes. */
public enum DType {
    F64("F64", 8, true),
    F32("F32", 4, true),
    F16("F16", 2, true),
    BF16("BF16", 2, true),
    F8_E4M3("F8_E4M3", 1, false),
    F8_E5M2("F8_E5M2", 1, false),
    I64("I64", 8, false),
    I32("I32", 4, false),
    I16("I16", 2, false),
    I8("I8", 1, false),
    U8("U8", 1, false),
    BOOL("BOOL", 1, false);

    private final String safetensorsName;
    private final int byteSize;
    private final boolean floatConvertible;

    DType(String safetensorsName, int byteSize, boolean floatConvertible) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.floatConvertible = floatConvertible;
    }

    /** The dtype string in a safetensors header. */
    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Whether elements can be read as float and written back (what every merge method needs). */
    public boolean isFloatConvertible() {
        return floatConvertible;
    }

    /** Parses a safetensors header dtype; null if unknown (the caller names the file and tensor). */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * Parses a recipe's {@code dtype}/{@code out_dtype} the way mergekit accepts them: float32/fp32/f32,
     * float16/fp16/f16/half, bfloat16/bf16.
     */
    public static DType fromRecipe(String field, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32", "float" -> F32;
            case "float16", "fp16", "f16", "half" -> F16;
            case "bfloat16", "bf16" -> BF16;
            default -> throw new UserError(field + ": unknown dtype '" + value
                    + "' (allowed: float32, float16, bfloat16)");
        };
    }

    /** The name torch and config.json use ("float32", "float16", "bfloat16"). */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case F64 -> "float64";
            default -> safetensorsName.toLowerCase(Locale.ROOT);
        };
    }

    static String allowedNames() {
        return Arrays.toString(Arrays.stream(values()).map(DType::safetensorsName).toArray());
    }
}
