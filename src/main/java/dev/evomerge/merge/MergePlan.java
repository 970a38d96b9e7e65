package dev.evomerge.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DecoderLayout;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.util.List;
import java.util.Objects;

/**
 * A recipe planned against its opened sources: every output tensor with its inputs and resolved parameters, the
 * output config and where the tokenizer comes from. Planning reads headers only, so every error a recipe can cause
 * surfaces here, before any tensor is merged.
 *
 * @param recipe          the recipe as loaded
 * @param tasks           output tensors in write order (embeddings, layers, head)
 * @param config          the output config.json (each layer stack's count key and torch_dtype updated)
 * @param tokenizerSource checkpoint whose tokenizer and generation files are copied, or null
 * @param sources         the opened sources
 * @param tokenizerConfig the output tokenizer_config.json when the recipe sets a {@code chat_template} (written in
 *                        place of the source's, and the source's chat_template.jinja is not copied), else null
 * @param warnings        one line each: what the recipe says that the merge ignores (as mergekit does)
 * @param tokenizerJson   the output tokenizer.json when the recipe's tokenizer settings add tokens to the source's
 *                        (written in place of the source's), else null
 */
public record MergePlan(LoadedRecipe recipe, List<TensorTask> tasks, ObjectNode config, Checkpoint tokenizerSource,
                        Sources sources, ObjectNode tokenizerConfig, List<String> warnings, ObjectNode tokenizerJson) {
    public MergePlan {
        Objects.requireNonNull(recipe, "recipe");
        tasks = List.copyOf(tasks);
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sources, "sources");
    }

    public MergePlan(LoadedRecipe recipe, List<TensorTask> tasks, ObjectNode config, Checkpoint tokenizerSource,
                     Sources sources, ObjectNode tokenizerConfig, List<String> warnings) {
        this(recipe, tasks, config, tokenizerSource, sources, tokenizerConfig, warnings, null);
    }

    /** The output's layer counts as text: "4", or "4 language_model + 2 vision_tower" for a multimodal model. */
    public String layersText() {
        return DecoderLayout.of(config, "the output config.json").layersText(config);
    }

    public List<TensorInfo> outputs() {
        return tasks.stream().map(TensorTask::output).toList();
    }

    /** Bytes read from the sources over the whole merge (what merge throughput is measured in). */
    public long sourceBytes() {
        return tasks.stream().mapToLong(TensorTask::sourceBytes).sum();
    }

    public long outputBytes() {
        return tasks.stream().mapToLong(t -> t.output().byteSize()).sum();
    }
}
