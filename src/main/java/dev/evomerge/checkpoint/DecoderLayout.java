package dev.evomerge.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Where a model family keeps its numbered layers, for merges that index layers (gradients, slices, frankenmerges):
 * the config.json key(s) holding each stack's layer count, the tensor-name prefix before the layer index, and the
 * tensors after the layers (the final norm and the output head, which a frankenmerge takes from its last slice). Every
 * other tensor outside the stacks (embeddings, a multimodal projector) is taken from the first slice.
 *
 * <p>The facts follow mergekit's architecture definitions ({@code _data/architectures/*.json}): the same layer
 * templates and {@code num_layers_config_key}s. A multimodal model has several stacks, as mergekit's modular
 * definitions have several modules: the language model first (the stack a recipe's {@code slices:} index), then the
 * vision tower. Prefixes list transformers' older names first and its newer ones after (transformers 4.52 moved a
 * LLaVA's {@code language_model.model.layers} to {@code model.language_model.layers}); a checkpoint uses one of them.
 *
 * @param family        the family's name in messages and docs
 * @param architectures config.json {@code architectures[0]} values that select this layout
 * @param modelTypes    config.json {@code model_type} values that select it when the architecture is not listed
 * @param stacks        the layer stacks, the language model's first
 * @param postWeights   name prefixes of the tensors after the layers
 */
public record DecoderLayout(String family, List<String> architectures, List<String> modelTypes, List<Stack> stacks,
                            List<String> postWeights) {

    public DecoderLayout {
        Objects.requireNonNull(family, "family");
        architectures = List.copyOf(architectures);
        modelTypes = List.copyOf(modelTypes);
        stacks = List.copyOf(stacks);
        postWeights = List.copyOf(postWeights);
        if (stacks.isEmpty()) {
            throw new IllegalArgumentException("layout " + family + " needs at least one layer stack");
        }
    }

    /**
     * One stack of numbered layers.
     *
     * @param name      the stack's name in messages ({@code language_model}, {@code vision_tower})
     * @param countKeys dotted config.json paths of its layer count, the first present one is read and written; when
     *                  none is present (LLaVA's {@code text_config} often leaves transformers' default), the count is
     *                  one more than the highest layer index in the weights
     * @param prefixes  tensor-name prefixes that end just before the layer index, e.g. {@code model.layers.}
     */
    public record Stack(String name, List<String> countKeys, List<String> prefixes) {
        public Stack {
            Objects.requireNonNull(name, "name");
            countKeys = List.copyOf(countKeys);
            prefixes = List.copyOf(prefixes);
            if (countKeys.isEmpty() || prefixes.isEmpty()) {
                throw new IllegalArgumentException("stack " + name + " needs a count key and a prefix");
            }
        }

        /** The layer index of {@code name} in this stack, or -1 if the name is not a layer tensor of it. */
        public int layerOf(String name) {
            for (String p : prefixes) {
                int end = digitsAfter(name, p);
                if (end > 0) {
                    return Integer.parseInt(name, p.length(), end, 10);
                }
            }
            return -1;
        }

        /** {@code name}, a layer tensor of this stack, renamed to layer {@code layer}. */
        public String withLayer(String name, int layer) {
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be non-negative, but was " + layer);
            }
            for (String p : prefixes) {
                int end = digitsAfter(name, p);
                if (end > 0) {
                    return p + layer + name.substring(end);
                }
            }
            throw new IllegalArgumentException("tensor " + name + " is not a layer of stack " + this.name);
        }

        /** The end of the layer index when {@code name} is {@code prefix}, digits, a dot and more; else -1. */
        private static int digitsAfter(String name, String prefix) {
            if (!name.startsWith(prefix)) {
                return -1;
            }
            int i = prefix.length();
            while (i < name.length() && Character.isDigit(name.charAt(i)) && i - prefix.length() < 9) {
                i++;
            }
            return i > prefix.length() && i < name.length() && name.charAt(i) == '.' ? i : -1;
        }

        /** The count key this config uses: the first present one, else the first. */
        public String countKey(ObjectNode config) {
            return countKeys.stream().filter(k -> at(config, k) != null).findFirst().orElse(countKeys.getFirst());
        }

        /** The object holding {@link #countKey}, where this stack's per-layer config lists live too. */
        public ObjectNode configObject(ObjectNode config) {
            String key = countKey(config);
            int dot = key.lastIndexOf('.');
            return dot < 0 ? config : config.withObject("/" + key.substring(0, dot).replace('.', '/'));
        }

        /** {@code key} as a dotted path beside the count key ({@code text_config.layer_types}). */
        public String path(ObjectNode config, String key) {
            String countKey = countKey(config);
            int dot = countKey.lastIndexOf('.');
            return dot < 0 ? key : countKey.substring(0, dot + 1) + key;
        }

        /** {@code key} of this stack's config object (see {@link #configObject}), or null; reads, never creates. */
        public JsonNode field(ObjectNode config, String key) {
            return at(config, path(config, key));
        }

        /**
         * The stack's layer count in a checkpoint: its count key, checked against the weights (a count larger than
         * the weights hold would size every per-layer structure by a number no tensor backs), else counted from them.
         *
         * @param file names the config.json in messages
         */
        public int layerCount(ObjectNode config, Collection<String> names, Object file) {
            int highest = -1;
            for (String n : names) {
                highest = Math.max(highest, layerOf(n));
            }
            String key = countKey(config);
            JsonNode n = at(config, key);
            if (n == null) {
                return highest + 1;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
                throw new UserError(file + ": " + key + " must be a non-negative integer, but was " + n);
            }
            if (highest >= 0 && n.intValue() > highest + 1) {
                throw new UserError(file + ": " + key + " is " + n.intValue() + ", but the weights hold layers 0.."
                        + highest + " only");
            }
            return n.intValue();
        }

        /** Writes {@code count} under {@link #countKey}. */
        public void setLayerCount(ObjectNode config, int count) {
            String key = countKey(config);
            int dot = key.lastIndexOf('.');
            configObject(config).put(dot < 0 ? key : key.substring(dot + 1), count);
        }

        private static JsonNode at(ObjectNode config, String dotted) {
            JsonNode n = config;
            for (String part : dotted.split("\\.")) {
                n = n == null || !n.isObject() ? null : n.get(part);
            }
            return n;
        }
    }

    private static Stack decoder(String countKey, String prefix) {
        return new Stack("decoder", List.of(countKey), List.of(prefix));
    }

    /** Llama's names, shared by the families that copied its layout. */
    private static DecoderLayout llamaLike(String family, String architecture, String... modelTypes) {
        return new DecoderLayout(family, List.of(architecture), List.of(modelTypes),
                List.of(decoder("num_hidden_layers", "model.layers.")), List.of("model.norm.", "lm_head."));
    }

    /**
     * A multimodal model's language model and vision tower. transformers before 4.52 saved them as
     * {@code language_model.model.*} and {@code vision_tower.vision_model.*}, later ones under {@code model.}; the
     * output head moved from {@code language_model.lm_head} to {@code lm_head}.
     */
    private static DecoderLayout multimodal(String family, List<String> architectures, List<String> modelTypes) {
        Stack text = new Stack("language_model", List.of("text_config.num_hidden_layers"),
                List.of("language_model.model.layers.", "model.language_model.layers."));
        Stack vision = new Stack("vision_tower", List.of("vision_config.num_hidden_layers"),
                List.of("vision_tower.vision_model.encoder.layers.", "model.vision_tower.vision_model.encoder.layers."));
        return new DecoderLayout(family, architectures, modelTypes, List.of(text, vision),
                List.of("language_model.model.norm.", "language_model.lm_head.", "model.language_model.norm.",
                        "lm_head."));
    }

    /** The layouts evomerge merges, in the order the docs and the refusal list them. */
    public static final List<DecoderLayout> KNOWN = List.of(
            llamaLike("Llama", "LlamaForCausalLM", "llama"),
            llamaLike("Mistral", "MistralForCausalLM", "mistral"),
            llamaLike("Mixtral", "MixtralForCausalLM", "mixtral"),
            llamaLike("Qwen2", "Qwen2ForCausalLM", "qwen2"),
            llamaLike("Qwen3", "Qwen3ForCausalLM", "qwen3"),
            llamaLike("Gemma", "GemmaForCausalLM", "gemma"),
            llamaLike("Gemma 2", "Gemma2ForCausalLM", "gemma2"),
            llamaLike("Gemma 3 text", "Gemma3ForCausalLM", "gemma3_text"),
            multimodal("Gemma 3", List.of("Gemma3ForConditionalGeneration"), List.of("gemma3")),
            llamaLike("Phi-3", "Phi3ForCausalLM", "phi3"),
            new DecoderLayout("GPT-2", List.of("GPT2LMHeadModel"), List.of("gpt2"),
                    List.of(new Stack("decoder", List.of("n_layer", "num_hidden_layers"),
                            List.of("h.", "transformer.h."))),
                    List.of("ln_f.", "transformer.ln_f.", "lm_head.")),
            new DecoderLayout("GPT-NeoX", List.of("GPTNeoXForCausalLM"), List.of("gpt_neox"),
                    List.of(decoder("num_hidden_layers", "gpt_neox.layers.")),
                    List.of("gpt_neox.final_layer_norm.", "embed_out.")),
            multimodal("LLaVA", List.of("LlavaForConditionalGeneration", "LlavaNextForConditionalGeneration"),
                    List.of("llava", "llava_next")));

    /**
     * The layout of the model {@code config} describes: by {@code architectures[0]}, else by {@code model_type};
     * anything else is refused with the list of known layouts.
     *
     * @param file names the config.json in messages
     */
    public static DecoderLayout of(ObjectNode config, Object file) {
        JsonNode a = config.path("architectures").path(0);
        String architecture = a.isTextual() ? a.textValue() : null;
        JsonNode t = config.get("model_type");
        String modelType = t != null && t.isTextual() ? t.textValue() : null;
        for (DecoderLayout l : KNOWN) {
            if (architecture != null && l.architectures.contains(architecture)) {
                return l;
            }
        }
        for (DecoderLayout l : KNOWN) {
            if (modelType != null && l.modelTypes.contains(modelType)) {
                return l;
            }
        }
        throw new UserError(file + ": no known decoder layout for " + (architecture != null ? "architecture '"
                + architecture + "'" + (modelType != null ? " (model_type '" + modelType + "')" : "")
                : modelType != null ? "model_type '" + modelType + "'" : "a config without architectures or model_type")
                + "; evomerge merges " + knownList());
    }

    /** The known layouts as one line: family and architecture names. */
    public static String knownList() {
        return KNOWN.stream().map(l -> l.family + " (" + String.join(", ", l.architectures) + ")")
                .collect(Collectors.joining(", "));
    }

    /** The stack {@code name} is a layer tensor of, or null when it lies outside the layers. */
    public Stack stackOf(String name) {
        for (Stack s : stacks) {
            if (s.layerOf(name) >= 0) {
                return s;
            }
        }
        return null;
    }

    /** Whether {@code name} comes after the layers (final norm, output head). */
    public boolean isPost(String name) {
        return stackOf(name) == null && postWeights.stream().anyMatch(name::startsWith);
    }

    /** The layer counts {@code config} declares, as "4" or "4 language_model + 2 vision_tower". */
    public String layersText(ObjectNode config) {
        if (stacks.size() == 1) {
            return String.valueOf(declared(config, stacks.getFirst()));
        }
        return stacks.stream().map(s -> declared(config, s) + " " + s.name()).collect(Collectors.joining(" + "));
    }

    private static int declared(ObjectNode config, Stack s) {
        JsonNode n = Stack.at(config, s.countKey(config));
        return n == null ? 0 : n.asInt();
    }
}
