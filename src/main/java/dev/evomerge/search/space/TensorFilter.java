package dev.evomerge.search.space;

import java.util.Locale;

/**
 * A class of tensors a search can give its own genes, as a mergekit filter (substring of the tensor name). Attention
 * and MLP are the two blocks of a Llama-family layer; {@link #REST} is the catch-all (layer norms, embeddings, final
 * norm, LM head), written as the filter list's last, unfiltered entry.
 */
public enum TensorFilter {
    ATTENTION("self_attn", "self_attn.q_proj.weight"),
    MLP("mlp", "mlp.up_proj.weight"),
    REST(null, "input_layernorm.weight");

    private final String filter;
    private final String probe;

    TensorFilter(String filter, String probe) {
        this.filter = filter;
        this.probe = probe;
    }

    /** The mergekit filter substring, or null for the catch-all entry. */
    public String filter() {
        return filter;
    }

    /** A tensor of layer {@code layer} that this filter, and no earlier one, selects. */
    public String probeTensor(int layer) {
        return "model.layers." + layer + "." + probe;
    }

    /** Short name for gene names ({@code attn}, {@code mlp}, {@code rest}). */
    public String shortName() {
        return this == ATTENTION ? "attn" : name().toLowerCase(Locale.ROOT);
    }

    /** The YAML spelling: {@code attention}, {@code mlp} or {@code rest}. */
    public static TensorFilter parse(String text) {
        return switch (text) {
            case "attention" -> ATTENTION;
            case "mlp" -> MLP;
            case "rest" -> REST;
            default -> throw new IllegalArgumentException("unknown filter '" + text + "' (known: attention, mlp, rest)");
        };
    }
}
