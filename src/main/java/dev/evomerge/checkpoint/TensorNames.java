package dev.evomerge.checkpoint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps tensor names to their decoder layer and functional group (embeddings, attention, MLP, norms, head), for
 * vocabulary merges, weight filters and checkpoints without a config. Exact for the Llama/Mistral/Qwen2 naming of
 * transformers ({@code model.layers.N.self_attn.q_proj.weight}); other families fall back to the first
 * {@code layers.N.}, {@code h.N.} or {@code blocks.N.} component and keyword matching. Merges index layers through
 * {@link DecoderLayout}, which knows each family's layer stacks.
 */
public final class TensorNames {
    /** What a tensor does; merge recipes filter on these (mergekit's self_attn / mlp / norm filters). */
    public enum Group { EMBEDDING, ATTENTION, MLP, NORM, HEAD, OTHER }

    /** Layer index ({@code -1} outside the layer stack) and group of one tensor. */
    public record TensorRole(int layer, Group group) {
        public TensorRole {
            if (layer < -1) {
                throw new IllegalArgumentException("layer must be -1 or a layer index, but was " + layer);
            }
            java.util.Objects.requireNonNull(group, "group");
        }

        public boolean inLayer() {
            return layer >= 0;
        }
    }

    private static final Pattern LAYER = Pattern.compile("(^|\\.)(layers|h|blocks)\\.(\\d+)\\.");

    private TensorNames() {}

    public static TensorRole classify(String name) {
        Matcher m = LAYER.matcher(name);
        if (m.find()) {
            int layer = Integer.parseInt(m.group(3));
            String rest = name.substring(m.end());
            return new TensorRole(layer, layerGroup(rest));
        }
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.startsWith("lm_head.") || n.contains(".lm_head.") || n.equals("output.weight")
                || n.startsWith("embed_out.")) {
            return new TensorRole(-1, Group.HEAD);
        }
        if (n.contains("embed_tokens") || n.contains("wte.") || n.contains("tok_embeddings")
                || n.contains("word_embeddings") || n.contains("embed_in.")) {
            return new TensorRole(-1, Group.EMBEDDING);
        }
        if (n.contains("norm") || n.contains("ln_f.")) {
            return new TensorRole(-1, Group.NORM);
        }
        return new TensorRole(-1, Group.OTHER);
    }

    private static Group layerGroup(String rest) {
        String r = rest.toLowerCase(java.util.Locale.ROOT);
        // Norms first: "post_attention_layernorm" mentions attention but is a norm.
        if (r.contains("norm") || r.startsWith("ln_")) {
            return Group.NORM;
        }
        if (r.startsWith("self_attn.") || r.startsWith("attention.") || r.startsWith("attn.")
                || r.startsWith("self_attention.")) {
            return Group.ATTENTION;
        }
        if (r.startsWith("mlp.") || r.startsWith("feed_forward.") || r.startsWith("ffn.")
                || r.startsWith("block_sparse_moe.")) {
            return Group.MLP;
        }
        return Group.OTHER;
    }

    /** Renames a layer tensor to layer {@code newLayer} ({@code model.layers.3.x} to {@code model.layers.7.x}). */
    public static String withLayer(String name, int newLayer) {
        if (newLayer < 0) {
            throw new IllegalArgumentException("layer must be non-negative, but was " + newLayer);
        }
        Matcher m = LAYER.matcher(name);
        if (!m.find()) {
            throw new IllegalArgumentException("tensor " + name + " is not in a numbered layer");
        }
        return name.substring(0, m.start(3)) + newLayer + name.substring(m.end(3));
    }
}
