package dev.evomerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
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
 * One candidate's weights as float32 NDArrays, all owned by one sub-manager so a swap frees them at once. F32 tensors
 * in native memory are wrapped without a copy (the source must stay open while the model uses them); F16/BF16 are
 * converted on the engine side. Linear weights are kept as transposed views ([in, out]) so {@code x.matMul(wT)} is
 * one BLAS call with no copy. Nothing here is ever modified in place.
 */
final class Weights implements AutoCloseable {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final NDManager manager;
    final NDArray embed;      // [V, H]
    final NDArray finalNorm;  // [H]
    final NDArray lmHeadT;    // [H, V]
    final List<Layer> layers;

    /** One decoder layer; the *T arrays are [in, out] views; biases are null unless the config has them. */
    record Layer(NDArray inputNorm, NDArray qT, NDArray kT, NDArray vT, NDArray qBias, NDArray kBias, NDArray vBias,
                 NDArray oT, NDArray postNorm, NDArray gateT, NDArray upT, NDArray downT, float scale) {}

    private Weights(NDManager manager, NDArray embed, NDArray finalNorm, NDArray lmHeadT, List<Layer> layers) {
        this.manager = manager;
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.lmHeadT = lmHeadT;
        this.layers = layers;
    }

    /**
     * Loads a path through the sources' layers. {@code config} describes every source (same shapes); the built model
     * has {@code path.size()} layers. A (source, layer) used twice is loaded once.
     */
    static Weights load(NDManager parent, ModelConfig config, List<? extends TensorSource> sources, LayerPath path) {
        if (path.sourceCount() > sources.size()) {
            throw new UserError("layer path uses source " + (path.sourceCount() - 1) + " but only " + sources.size()
                    + " source(s) were given");
        }
        NDManager m = parent.newSubManager();
        try {
            Loader loader = new Loader(m, config, sources);
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
                layers.add(new Layer(
                        loader.get(s, p + "input_layernorm.weight", h),
                        loader.getT(s, p + "self_attn.q_proj.weight", q, h),
                        loader.getT(s, p + "self_attn.k_proj.weight", kv, h),
                        loader.getT(s, p + "self_attn.v_proj.weight", kv, h),
                        bias ? loader.get(s, p + "self_attn.q_proj.bias", q) : null,
                        bias ? loader.get(s, p + "self_attn.k_proj.bias", kv) : null,
                        bias ? loader.get(s, p + "self_attn.v_proj.bias", kv) : null,
                        loader.getT(s, p + "self_attn.o_proj.weight", h, q),
                        loader.get(s, p + "post_attention_layernorm.weight", h),
                        loader.getT(s, p + "mlp.gate_proj.weight", f, h),
                        loader.getT(s, p + "mlp.up_proj.weight", f, h),
                        loader.getT(s, p + "mlp.down_proj.weight", h, f),
                        (float) step.scale()));
            }
            return new Weights(m, embed, norm, lmHeadT, List.copyOf(layers));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static final class Loader {
        private final NDManager m;
        private final List<? extends TensorSource> sources;
        private final Map<String, NDArray> loaded = new HashMap<>();

        Loader(NDManager m, ModelConfig config, List<? extends TensorSource> sources) {
            this.m = m;
            this.sources = sources;
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

        NDArray get(int source, String name, long... shape) {
            String key = source + "\0" + name;
            NDArray cached = loaded.get(key);
            if (cached != null) {
                return cached;
            }
            NDArray a = wrap(m, sources.get(source), name, shape);
            loaded.put(key, a);
            return a;
        }
    }

    /** The tensor as a float32 NDArray of the expected shape; F32 in native memory is wrapped, not copied. */
    static NDArray wrap(NDManager m, TensorSource src, String name, long... expected) {
        if (!src.contains(name)) {
            throw new UserError("tensor '" + name + "' is missing from "
                    + (src instanceof Checkpoint c ? "checkpoint " + c : "the model's weights"));
        }
        TensorInfo info = src.info(name);
        if (!Arrays.equals(info.shape(), expected)) {
            throw new UserError("tensor '" + name + "' has shape " + info.shapeString() + " but config.json implies "
                    + Arrays.toString(expected));
        }
        DataType dt = switch (info.dtype()) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            default -> throw new UserError("tensor '" + name + "' has dtype " + info.dtype()
                    + "; the runtime loads F32, F16 and BF16");
        };
        MemorySegment bytes = src.bytes(name);
        if (dt == DataType.BFLOAT16) {
            return bf16ToFloat(m, bytes, new Shape(expected));
        }
        // A native segment becomes a direct buffer that the engine wraps in place; DJL copies a heap one.
        NDArray raw = m.create(bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), new Shape(expected), dt);
        if (dt == DataType.FLOAT32) {
            return raw;
        }
        NDArray f = raw.toType(DataType.FLOAT32, true);
        raw.close();
        return f;
    }

    /**
     * BF16 is the top half of a float32, so widening is a 16-bit shift. Done here because DJL 0.35's PyTorch engine
     * aborts the process when asked to wrap a bfloat16 buffer.
     */
    static NDArray bf16ToFloat(NDManager m, MemorySegment bf16, Shape shape) {
        long n = shape.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f32 = arena.allocate(n * Float.BYTES, 64);
            for (long i = 0; i < n; i++) {
                f32.setAtIndex(INT_LE, i, (bf16.getAtIndex(SHORT_LE, i) & 0xFFFF) << 16);
            }
            // Wrap the scratch buffer, then clone into engine-owned memory before the arena frees it.
            try (NDArray view = m.create(f32.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, DataType.FLOAT32)) {
                return view.duplicate();
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
