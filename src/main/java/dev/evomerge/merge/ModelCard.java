package dev.evomerge.merge;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.io.Markdown;
import dev.evomerge.merge.recipe.ModelRef;
import java.util.List;
import java.util.Map;

/** The README.md of a merged checkpoint: what it was made from, how, and the hashes to prove which files. */
final class ModelCard {
    private ModelCard() {
    }

    static String of(MergePlan plan) {
        var recipe = plan.recipe().recipe();
        StringBuilder md = new StringBuilder();
        // The Hub's model tree reads base_model (several: a merge); mergekit's cards carry the same front matter.
        md.append("---\nbase_model:\n");
        for (ModelRef m : plan.sources().all().keySet()) {
            md.append("- ").append(yamlScalar(m.toString())).append('\n');
        }
        md.append("library_name: transformers\ntags:\n- merge\n- evomerge\n---\n\n");
        md.append("# ").append(recipe.name() != null ? recipe.name() : "Merged model").append("\n\n");
        md.append("Made with evomerge using the `").append(recipe.mergeMethod())
                .append("` merge method");
        if (recipe.baseModel() != null) {
            md.append(" with `").append(recipe.baseModel()).append("` as the base");
        }
        md.append(". ").append(plan.tasks().size()).append(" tensors, ")
                .append(plan.layersText()).append(" layers.\n\n");
        plan.sources().all().values().parallelStream().forEach(Checkpoint::fileHashes);
        md.append("## Sources\n\n");
        Markdown.row(md, List.of("model", "file", "SHA-256"));
        Markdown.rule(md, List.of(false, false, false));
        for (Map.Entry<ModelRef, Checkpoint> e : plan.sources().all().entrySet()) {
            for (Map.Entry<String, String> f : e.getValue().fileHashes().entrySet()) {
                Markdown.row(md, List.of("`" + e.getKey() + "`", f.getKey(), "`" + f.getValue() + "`"));
            }
        }
        md.append("\n## Recipe\n\nThe recipe is also in `mergekit_config.yml`.\n\n```yaml\n")
                .append(recipe.toYaml()).append("```\n");
        return md.toString();
    }

    /** Plain when YAML reads it back as the same string; otherwise a double-quoted (JSON) string, also YAML. */
    static String yamlScalar(String s) {
        if (s.matches("[A-Za-z0-9_/.][A-Za-z0-9_./-]*") && !s.matches("(?i)true|false|yes|no|on|off|null|~|[0-9.eE+-]+")) {
            return s;
        }
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }
}
