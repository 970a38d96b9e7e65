package dev.evomerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.NativeMemory;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One candidate's weights as NDArrays of the compute type (float32, or float16 on CUDA), all owned by one sub-manager
 * so a swap frees them at once. On the CPU, F32 tensors in native memory are wrapped without a copy (the source must
 * stay open while the model uses them) and F16/BF16 are widened once into memory these weights own (see
 * {@link #wrap}). Linear weights are kept as transposed views ([in, out]) so {@code x.matMul(wT)} is
 * one BLAS call with no copy. Nothing here is ever modified in place.
 */
final class Weights implements AutoCloseable {
    final NDManager manager;
    /** Float32 copies of F16/BF16 tensors, wrapped by the arrays; freed with them. */
    private final Arena arena;
    final NDArray embed;      // [V, H]
    final NDArray finalNorm;  // [H]
    final NDArray lmHeadT;    // [H, V]
    final List<Layer> layers;

    /**
     * One decoder layer; the *T arrays are [in, out] views. Null unless the architecture has them: the q/k/v
     * biases, the o bias (Llama's attention_bias puts one on o_proj too; Qwen2's biases stop at v), qNorm/kNorm
     * ([D], per head) and Gemma's attnOutNorm/mlpOutNorm (applied to each sublayer's output before the residual
     * add). mlpNorm is the norm before the MLP (post_attention_layernorm in Llama's naming, pre_feedforward_layernorm
     * in Gemma's).
     */
    record Layer(NDArray inputNorm, NDArray qT, NDArray kT, NDArray vT, NDArray qBias, NDArray kBias, NDArray vBias,
                 NDArray qNorm, NDArray kNorm, NDArray oT, NDArray oBias, NDArray attnOutNorm, NDArray mlpNorm,
                 NDArray gateT, NDArray upT, NDArray downT, NDArray mlpOutNorm, float scale) {}

    private Weights(NDManager manager, Arena arena, NDArray embed, NDArray finalNorm, NDArray lmHeadT,
                    List<Layer> layers) {
        this.manager = manager;
        this.arena = arena;
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.lmHeadT = lmHeadT;
        this.layers = layers;
    }

    /**
     * Loads a path through the sources' layers. {@code config} describes every source (same shapes); the built model
     * has {@code path.size()} layers. A (source, layer) used twice is loaded once. {@code parent}'s device is where
     * the weights go; {@code dtype} (FLOAT32 or FLOAT16) is what they become.
     */
    static Weights load(NDManager parent, ModelConfig config, List<? extends TensorSource> sources, LayerPath path,
                        DataType dtype) {
        if (path.sourceCount() > sources.size()) {
            throw new UserError("layer path uses source " + (path.sourceCount() - 1) + " but only " + sources.size()
                    + " source(s) were given");
        }
        NDManager m = parent.newSubManager();
        Arena arena = Arena.ofShared();
        try {
            Loader loader = new Loader(m, arena, sources, dtype);
            int h = config.hiddenSize();
            int v = config.vocabSize();
            NDArray embed = loader.get(0, "model.embed_tokens.weight", v, h);
            NDArray norm = loader.get(0, "model.norm.weight", h);
            NDArray lmHeadT;
            TensorSource s0 = sources.get(0);
            if (config.tieWordEmbeddings() || !s0.contains("lm_head.weight")) {
                if (!config.tieWordEmbeddings()) {
                    throw new UserError("tensor 'lm_head.weight' is missing and config.json has tie_word_embeddings false");
                }
                lmHeadT = embed.transpose();
            } else {
                lmHeadT = loader.get(0, "lm_head.weight", v, h).transpose();
            }
            List<Layer> layers = new ArrayList<>();
            int q = config.numHeads() * config.headDim();
            int kv = config.numKvHeads() * config.headDim();
            int f = config.intermediateSize();
            for (LayerPath.Step step : path.steps()) {
                if (step.layer() >= config.numLayers()) {
                    throw new UserError("layer path uses layer " + step.layer() + " of source " + step.source()
                            + " but config.json has num_hidden_layers " + config.numLayers());
                }
                int s = step.source();
                String p = "model.layers." + step.layer() + ".";
                boolean bias = config.attentionBias();
                ModelConfig.Architecture arch = config.architecture();
                NDArray qT;
                NDArray kT;
                NDArray vT;
                NDArray gateT;
                NDArray upT;
                if (arch.fusedProjections()) {
                    // Phi-3: rows [0, q) of qkv_proj are q, then k, then v; gate_up_proj is gate over up.
                    String qkv = p + "self_attn.qkv_proj.weight";
                    qT = loader.rowsT(s, qkv, 0, q, q + 2 * kv, h);
                    kT = loader.rowsT(s, qkv, q, q + kv, q + 2 * kv, h);
                    vT = loader.rowsT(s, qkv, q + kv, q + 2 * kv, q + 2 * kv, h);
                    String gateUp = p + "mlp.gate_up_proj.weight";
                    gateT = loader.rowsT(s, gateUp, 0, f, 2 * f, h);
                    upT = loader.rowsT(s, gateUp, f, 2 * f, 2 * f, h);
                } else {
                    qT = loader.getT(s, p + "self_attn.q_proj.weight", q, h);
                    kT = loader.getT(s, p + "self_attn.k_proj.weight", kv, h);
                    vT = loader.getT(s, p + "self_attn.v_proj.weight", kv, h);
                    gateT = loader.getT(s, p + "mlp.gate_proj.weight", f, h);
                    upT = loader.getT(s, p + "mlp.up_proj.weight", f, h);
                }
                boolean gemma = arch.gemma();
                int d = config.headDim();
                layers.add(new Layer(
                        loader.get(s, p + "input_layernorm.weight", h),
                        qT, kT, vT,
                        bias ? loader.get(s, p + "self_attn.q_proj.bias", q) : null,
                        bias ? loader.get(s, p + "self_attn.k_proj.bias", kv) : null,
                        bias ? loader.get(s, p + "self_attn.v_proj.bias", kv) : null,
                        arch.qkNorm() ? loader.get(s, p + "self_attn.q_norm.weight", d) : null,
                        arch.qkNorm() ? loader.get(s, p + "self_attn.k_norm.weight", d) : null,
                        loader.getT(s, p + "self_attn.o_proj.weight", h, q),
                        bias && arch == ModelConfig.Architecture.LLAMA
                                ? loader.get(s, p + "self_attn.o_proj.bias", h) : null,
                        gemma ? loader.get(s, p + "post_attention_layernorm.weight", h) : null,
                        loader.get(s, p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"),
                                h),
                        gateT, upT,
                        loader.getT(s, p + "mlp.down_proj.weight", h, f),
                        gemma ? loader.get(s, p + "post_feedforward_layernorm.weight", h) : null,
                        (float) step.scale()));
            }
            return new Weights(m, arena, embed, norm, lmHeadT, List.copyOf(layers));
        } catch (RuntimeException e) {
            m.close();
            arena.close();
            throw e;
        }
    }

    private static final class Loader {
        private final NDManager m;
        private final Arena arena;
        private final List<? extends TensorSource> sources;
        private final DataType dtype;
        private final Map<String, NDArray> loaded = new HashMap<>();

        Loader(NDManager m, Arena arena, List<? extends TensorSource> sources, DataType dtype) {
            this.m = m;
            this.arena = arena;
            this.sources = sources;
            this.dtype = dtype;
        }

        NDArray getT(int source, String name, long... shape) {
            String key = source + "\0T\0" + name;
            NDArray cached = loaded.get(key);
            if (cached == null) {
                cached = get(source, name, shape).transpose();
                loaded.put(key, cached);
            }
            return cached;
        }

        /** Rows [from, to) of a fused [rows, cols] weight, as an [in, out] view of that block. */
        NDArray rowsT(int source, String name, long from, long to, long rows, long cols) {
            String key = source + "\0T\0" + name + "\0" + from;
            NDArray cached = loaded.get(key);
            if (cached == null) {
                cached = get(source, name, rows, cols).get(new NDIndex("{}:{}", from, to)).transpose();
                loaded.put(key, cached);
            }
            return cached;
        }

        NDArray get(int source, String name, long... shape) {
            String key = source + "\0" + name;
            NDArray cached = loaded.get(key);
            if (cached != null) {
                return cached;
            }
            NDArray a = wrap(m, arena, sources.get(source), name, dtype, shape);
            loaded.put(key, a);
            return a;
        }
    }

    /**
     * The tensor as a {@code target} (FLOAT32 or FLOAT16) NDArray of the expected shape on {@code m}'s device. On the
     * CPU, F32 in native memory is wrapped, not copied, for a float32 model, and F16/BF16 are widened once into
     * {@code arena} (memory the weights own) and that buffer is wrapped, so a tensor costs 4 bytes per element and no
     * transient second copy. BF16 is converted on the host because DJL's PyTorch engine aborts the process when asked
     * to wrap a bfloat16 buffer. A source whose bytes were converted has its mapped pages dropped from this process's
     * resident set: they are clean page cache the kernel can reclaim anyway (docs/memory.md).
     */
    static NDArray wrap(NDManager m, Arena arena, TensorSource src, String name, DataType target, long... expected) {
        if (!src.contains(name)) {
            throw new UserError("tensor '" + name + "' is missing from "
                    + (src instanceof Checkpoint c ? "checkpoint " + c : "the model's weights"));
        }
        TensorInfo info = src.info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new UserError("tensor '" + name + "' has shape " + info.shapeString() + " but config.json implies "
                    + Arrays.toString(expected));
        }
        DataType stored = switch (info.dtype()) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            default -> throw new UserError("tensor '" + name + "' has dtype " + info.dtype()
                    + "; the runtime loads F32, F16 and BF16");
        };
        MemorySegment bytes = src.bytes(name);
        Shape shape = new Shape(expected);
        boolean onHost = !m.getDevice().isGpu();
        if (stored == target) {
            // On the CPU a native segment becomes a direct buffer that the engine wraps in place (DJL copies a heap
            // one); on a GPU this is the one copy to the device, after which the mapped pages are no longer needed.
            NDArray same = m.create(bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, target);
            if (!onHost) {
                src.releasePages(name);
            }
            return same;
        }
        NDArray out;
        if (target == DataType.FLOAT32 && stored != DataType.FLOAT32) {
            if (onHost) {
                out = widen(m, arena, info.dtype(), bytes, shape);
            } else {
                try (Arena scratch = Arena.ofConfined()) {
                    out = widen(m, scratch, info.dtype(), bytes, shape); // created on the device: a copy
                }
            }
        } else if (stored == DataType.BFLOAT16) {
            out = bf16ToHalf(m, bytes, shape);
        } else {
            try (NDArray raw = m.create(bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, stored)) {
                out = raw.toType(target, true);
            }
        }
        src.releasePages(name);
        return out;
    }

    /** Elements widened per step: bounds the heap scratch while the float32 result is written straight to native. */
    private static final int WIDEN_CHUNK = 1 << 16;

    /**
     * Widens F16/BF16 to float32 in Java (DJL 0.35's PyTorch engine aborts the process when asked to wrap a bfloat16
     * buffer) into {@code arena}, and wraps the result without a copy: the arena must outlive the array.
     */
    static NDArray widen(NDManager m, Arena arena, DType dtype, MemorySegment src, Shape shape) {
        long n = shape.size();
        MemorySegment f32 = arena.allocate(n * Float.BYTES, 64);
        float[] chunk = new float[(int) Math.min(n, WIDEN_CHUNK)];
        for (long i = 0; i < n; i += chunk.length) {
            int len = (int) Math.min(chunk.length, n - i);
            FloatCodec.decode(dtype, src, i * dtype.byteSize(), chunk, 0, len);
            MemorySegment.copy(chunk, 0, f32, ValueLayout.JAVA_FLOAT_UNALIGNED, i * Float.BYTES, len);
        }
        return m.create(f32.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, DataType.FLOAT32);
    }

    /**
     * BF16 to F16 on the host, so a CUDA model uploads half the bytes of float32: exact through float32, then one
     * round to nearest even (magnitudes above 65504 become infinite, below 2^-24 zero; the model's probe catches
     * the first). Scratch is freed here; the array is engine-owned.
     */
    static NDArray bf16ToHalf(NDManager m, MemorySegment bf16, Shape shape) {
        long n = shape.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f16 = arena.allocate(n * 2, 64);
            float[] chunk = new float[(int) Math.min(n, 1 << 16)];
            for (long i = 0; i < n; i += chunk.length) {
                int len = (int) Math.min(chunk.length, n - i);
                FloatCodec.decode(DType.BF16, bf16, 2 * i, chunk, 0, len);
                FloatCodec.encode(DType.F16, chunk, 0, f16, 2 * i, len);
            }
            try (NDArray view = m.create(f16.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, DataType.FLOAT16)) {
                return view.duplicate();
            }
        }
    }

    @Override
    public void close() {
        // Arrays first: they wrap the arena's memory.
        manager.close();
        arena.close();
        NativeMemory.releaseFreed();
    }
}
