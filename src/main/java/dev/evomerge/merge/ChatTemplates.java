package dev.evomerge.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A recipe's {@code chat_template}, resolved as mergekit resolves it: {@code auto} (the template most of the input
 * models carry, the first such on a tie), a built-in name, or a Jinja template string; evomerge also takes the path
 * of a template file (relative to the recipe). mergekit then saves the tokenizer, which puts the template into
 * tokenizer_config.json; so does evomerge.
 */
final class ChatTemplates {
    /** ChatML, the layout of {@code <|im_start|>role\ncontent<|im_end|>} turns. */
    private static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private static final Map<String, String> BUILT_IN = Map.of("chatml", CHATML);
    /** mergekit's test for text that cannot be a template: shorter than this, or without a brace. */
    private static final int MIN_TEMPLATE_LENGTH = 20;

    private ChatTemplates() {
    }

    /**
     * The output's tokenizer_config.json with the recipe's template in it, or null when the recipe sets none (or
     * {@code auto} finds none), in which case the tokenizer source's files are copied unchanged.
     */
    static ObjectNode tokenizerConfig(LoadedRecipe loaded, Sources sources, Checkpoint tokenizerSource) {
        String setting = loaded.recipe().chatTemplate();
        if (setting == null) {
            return null;
        }
        Optional<String> template = resolve(loaded, sources, setting);
        if (template.isEmpty()) {
            return null;
        }
        ObjectNode config = TokenizerFiles.tokenizerConfig(tokenizerSource.dir());
        config.put("chat_template", template.get());
        return config;
    }

    private static Optional<String> resolve(LoadedRecipe loaded, Sources sources, String setting) {
        if (setting.equals("auto")) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (ModelRef m : loaded.recipe().referencedModels()) {
                TokenizerFiles.chatTemplate(sources.get(m).dir()).map(String::strip).filter(t -> !t.isEmpty())
                        .ifPresent(t -> counts.merge(t, 1, Integer::sum));
            }
            return counts.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a)
                    .map(Map.Entry::getKey);
        }
        if (BUILT_IN.containsKey(setting)) {
            return Optional.of(BUILT_IN.get(setting));
        }
        Optional<Path> file = templateFile(loaded, setting);
        if (file.isPresent()) {
            try {
                return Optional.of(Files.readString(file.get(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UserError(loaded.sourceName() + ": chat_template: cannot read " + file.get() + " ("
                        + e.getMessage() + ")", e);
            }
        }
        if (setting.length() < MIN_TEMPLATE_LENGTH || !setting.contains("{")) {
            throw new UserError(loaded.sourceName() + ": chat_template: '" + setting + "' is not a template evomerge"
                    + " knows (supported: auto, " + String.join(", ", BUILT_IN.keySet()) + ", a Jinja template"
                    + " string, or the path of a template file)");
        }
        return Optional.of(setting);
    }

    private static Optional<Path> templateFile(LoadedRecipe loaded, String setting) {
        if (setting.contains("\n") || setting.contains("{")) {
            return Optional.empty();
        }
        try {
            Path p = loaded.baseDirectory().resolve(setting);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
