package dev.evomerge.model;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.CheckpointWriter;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A data-flow merge (Akiba et al. 2024, "Evolutionary Optimization of Model Merging Recipes", sec. 3.2): the model's
 * layer sequence drawn from several source checkpoints of the same architecture, e.g. layer 3 of A, then layer 3 of
 * B, then layer 4 of A. Each position may scale its layer's residual contribution:
 * {@code h += scale * attn(norm(h)); h += scale * mlp(norm(h))}. Embeddings, final norm and LM head come from source 0.
 */
public record LayerPath(List<Step> steps) {

    /** One position of the path: layer {@code layer} of source {@code source}, residual scaled by {@code scale}. */
    public record Step(int source, int layer, double scale) {
        public Step {
            if (source < 0) {
                throw new IllegalArgumentException("source must be at least 0, but was " + source);
            }
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be at least 0, but was " + layer);
            }
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("scale must be finite, but was " + scale);
            }
        }
    }

    public LayerPath {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one step");
        }
    }

    /** Layers 0..n-1 of source 0, unscaled: the plain model. */
    public static LayerPath identity(int numLayers) {
        return new LayerPath(java.util.stream.IntStream.range(0, numLayers).mapToObj(i -> new Step(0, i, 1.0)).toList());
    }

    public int size() {
        return steps.size();
    }

    /** Sources used: one more than the largest source index. */
    public int sourceCount() {
        return steps.stream().mapToInt(Step::source).max().orElse(0) + 1;
    }

    /** The config of the exported checkpoint: the sources' config with one layer per step. */
    public ModelConfig exportedConfig(ModelConfig sourceConfig) {
        return sourceConfig.withNumLayers(size());
    }

    /**
     * The path as a standard checkpoint's tensors: step i becomes {@code model.layers.i}, and its residual scale is
     * folded into the last tensor before each residual add. That is {@code o_proj} (and its bias, if any) and
     * {@code down_proj} (both outputs enter the residual stream linearly: {@code s (W x + b) = (s W) x + s b}),
     * except in Gemma, whose sublayer outputs pass a norm first: there the post-attention and post-feedforward norms' (1 + w) becomes
     * s (1 + w), stored as w' = s w + (s - 1). Folded tensors are written as F32; every other tensor keeps its bytes
     * and dtype. Embeddings, final norm and LM head come from source 0.
     */
    public InMemoryTensors export(ModelConfig sourceConfig, List<? extends TensorSource> sources) {
        if (sourceCount() > sources.size()) {
            throw new UserError("layer path uses source " + (sourceCount() - 1) + " but only " + sources.size()
                    + " source(s) were given");
        }
        InMemoryTensors out = new InMemoryTensors();
        try {
            TensorSource base = sources.get(0);
            copy(base, "model.embed_tokens.weight", "model.embed_tokens.weight", 1.0, 0, out);
            for (int i = 0; i < steps.size(); i++) {
                Step st = steps.get(i);
                if (st.layer() >= sourceConfig.numLayers()) {
                    throw new UserError("layer path uses layer " + st.layer() + " of source " + st.source()
                            + " but config.json has num_hidden_layers " + sourceConfig.numLayers());
                }
                String from = "model.layers." + st.layer() + ".";
                String to = "model.layers." + i + ".";
                TensorSource src = sources.get(st.source());
                boolean gemma = sourceConfig.architecture().gemma();
                for (String suffix : layerTensors(sourceConfig)) {
                    boolean folded = gemma
                            ? suffix.equals("post_attention_layernorm.weight")
                                    || suffix.equals("post_feedforward_layernorm.weight")
                            : suffix.equals("self_attn.o_proj.weight") || suffix.equals("self_attn.o_proj.bias")
                                    || suffix.equals("mlp.down_proj.weight");
                    double s = folded ? st.scale() : 1.0;
                    copy(src, from + suffix, to + suffix, s, gemma ? s - 1 : 0, out);
                }
            }
            copy(base, "model.norm.weight", "model.norm.weight", 1.0, 0, out);
            if (!sourceConfig.tieWordEmbeddings()) {
                copy(base, "lm_head.weight", "lm_head.weight", 1.0, 0, out);
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Writes the exported path as a standard checkpoint directory (safetensors + config.json), atomically; it loads
     * with {@link LlamaModel#load} or transformers. Returns the directory.
     */
    public Path exportAsCheckpoint(ModelConfig sourceConfig, List<? extends TensorSource> sources, Path outDir,
                                   boolean overwrite) {
        try (InMemoryTensors tensors = export(sourceConfig, sources)) {
            List<TensorInfo> plan = tensors.names().stream().map(tensors::info).toList();
            try (CheckpointWriter w = CheckpointWriter.create(outDir, plan, 4L << 30, overwrite)) {
                for (TensorInfo t : plan) {
                    w.writeBytes(t.name(), 0, tensors.bytes(t.name()));
                }
                w.writeFile(Checkpoint.CONFIG_FILE, exportedConfig(sourceConfig).toJson().toPrettyString()
                        .getBytes(StandardCharsets.UTF_8));
                return w.commit();
            }
        }
    }

    /** The tensors of one decoder layer of {@code c}'s family, as suffixes of {@code model.layers.N.}. */
    static List<String> layerTensors(ModelConfig c) {
        ModelConfig.Architecture arch = c.architecture();
        List<String> out = new ArrayList<>(List.of("input_layernorm.weight"));
        if (arch.fusedProjections()) {
            out.add("self_attn.qkv_proj.weight");
        } else {
            out.addAll(List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"));
        }
        if (c.attentionBias()) {
            out.addAll(List.of("self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"));
            if (arch == ModelConfig.Architecture.LLAMA) {
                out.add("self_attn.o_proj.bias");
            }
        }
        if (arch.qkNorm()) {
            out.addAll(List.of("self_attn.q_norm.weight", "self_attn.k_norm.weight"));
        }
        out.addAll(List.of("self_attn.o_proj.weight", "post_attention_layernorm.weight"));
        if (arch.gemma()) {
            out.addAll(List.of("pre_feedforward_layernorm.weight", "post_feedforward_layernorm.weight"));
        }
        if (arch.fusedProjections()) {
            out.add("mlp.gate_up_proj.weight");
        } else {
            out.addAll(List.of("mlp.gate_proj.weight", "mlp.up_proj.weight"));
        }
        out.add("mlp.down_proj.weight");
        return out;
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Copies {@code name} as {@code as}; unless scale is 1 and shift 0, as F32 values v * scale + shift. */
    private static void copy(TensorSource src, String name, String as, double scale, double shift,
                             InMemoryTensors out) {
        if (!src.contains(name)) {
            throw new UserError("tensor '" + name + "' is missing from the checkpoint");
        }
        TensorInfo info = src.info(name);
        MemorySegment bytes = src.bytes(name);
        if (scale == 1.0 && shift == 0) {
            out.allocate(new TensorInfo(as, info.dtype(), info.shape())).copyFrom(bytes);
            return;
        }
        MemorySegment dst = out.allocate(new TensorInfo(as, DType.F32, info.shape()));
        float s = (float) scale;
        float b = (float) shift;
        for (long i = 0; i < info.numel(); i++) {
            float v = switch (info.dtype()) {
                case F32 -> bytes.getAtIndex(F32_LE, i);
                case F16 -> Float.float16ToFloat(bytes.getAtIndex(I16_LE, i));
                case BF16 -> Float.intBitsToFloat(bytes.getAtIndex(I16_LE, i) << 16);
                default -> throw new UserError("tensor '" + name + "' has dtype " + info.dtype()
                        + "; only F32, F16 and BF16 can be scaled");
            };
            dst.setAtIndex(F32_LE, i, b == 0 ? v * s : v * s + b);
        }
    }
}
