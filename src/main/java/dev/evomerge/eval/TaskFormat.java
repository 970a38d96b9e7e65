package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The type-specific part of a task: how an example becomes requests and how a target is read. */
public sealed interface TaskFormat {

    TaskType type();

    /**
     * Greedy generation scored against a target. {@code targetDelimiter} joins prompt and target in few-shot
     * demonstrations (lm-eval's {@code target_delimiter}, default one space).
     */
    record Generate(Template prompt, Template target, String targetDelimiter, int maxTokens, List<String> stop,
            AnswerMatch match) implements TaskFormat {
        public Generate {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(targetDelimiter, "targetDelimiter");
            Objects.requireNonNull(match, "match");
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be at least 1, but was " + maxTokens);
            }
            stop = List.copyOf(stop);
        }

        @Override
        public TaskType type() {
            return TaskType.GENERATE;
        }

        public String target(Example e, String task) {
            return target.render(e, "task '" + task + "' target");
        }

        @Override
        public String demonstration(Example e, String task) {
            return prompt.render(e, "task '" + task + "' prompt") + targetDelimiter + target(e, task);
        }
    }

    /**
     * Multiple choice by log-likelihood: each choice is scored as the continuation {@code targetDelimiter + choice}
     * of the prompt (lm-eval's request construction). Choices come from a list-valued field ({@code choicesField})
     * or from one template per choice; {@code goldField} holds the index of the right choice or its text.
     */
    record MultipleChoice(Template prompt, String choicesField, List<Template> choiceTemplates, String goldField,
            String targetDelimiter) implements TaskFormat {
        public MultipleChoice {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(goldField, "goldField");
            Objects.requireNonNull(targetDelimiter, "targetDelimiter");
            choiceTemplates = List.copyOf(choiceTemplates);
            if ((choicesField == null) == choiceTemplates.isEmpty()) {
                throw new IllegalArgumentException("exactly one of choicesField and choiceTemplates must be given");
            }
        }

        @Override
        public TaskType type() {
            return TaskType.MULTIPLE_CHOICE;
        }

        public List<String> choices(Example e, String task) {
            List<String> out = new ArrayList<>();
            if (choicesField != null) {
                JsonNode v = e.field(choicesField);
                if (v == null || !v.isArray() || v.isEmpty()) {
                    throw new UserError(e.origin() + ": field '" + choicesField + "' must be a non-empty list of "
                            + "choices (task '" + task + "')");
                }
                for (JsonNode c : v) {
                    if (c.isContainerNode() || c.isNull()) {
                        throw new UserError(e.origin() + ": every choice in '" + choicesField
                                + "' must be a string (task '" + task + "')");
                    }
                    out.add(c.asText());
                }
            } else {
                for (Template t : choiceTemplates) {
                    out.add(t.render(e, "task '" + task + "' choices"));
                }
            }
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).isEmpty()) {
                    throw new UserError(e.origin() + ": choice " + i + " is empty; acc_norm divides by the choice's "
                            + "length (task '" + task + "')");
                }
            }
            if (out.size() < 2) {
                throw new UserError(e.origin() + ": a multiple-choice example needs at least 2 choices, but had "
                        + out.size() + " (task '" + task + "')");
            }
            return out;
        }

        /** Index of the right choice: an integer field is an index, a string must equal one choice. */
        public int gold(Example e, List<String> choices, String task) {
            JsonNode v = e.field(goldField);
            if (v == null || v.isNull()) {
                throw new UserError(e.origin() + ": example has no field '" + goldField + "' (task '" + task
                        + "' gold)");
            }
            if (v.isIntegralNumber()) {
                int i = v.asInt();
                if (i < 0 || i >= choices.size()) {
                    throw new UserError(e.origin() + ": gold index " + v.asText() + " is outside the "
                            + choices.size() + " choices (task '" + task + "')");
                }
                return i;
            }
            if (v.isTextual()) {
                int i = choices.indexOf(v.asText());
                if (i < 0) {
                    throw new UserError(e.origin() + ": gold answer \"" + v.asText() + "\" is not one of the choices "
                            + choices + " (task '" + task + "')");
                }
                return i;
            }
            throw new UserError(e.origin() + ": field '" + goldField + "' must be a choice index or the choice text, "
                    + "but was " + Fields.describe(v) + " (task '" + task + "')");
        }

        @Override
        public String demonstration(Example e, String task) {
            List<String> choices = choices(e, task);
            return prompt.render(e, "task '" + task + "' prompt") + targetDelimiter + choices.get(gold(e, choices, task));
        }
    }

    /** Rolling log-likelihood of a whole text, from the beginning of sequence. */
    record Perplexity(Template text) implements TaskFormat {
        public Perplexity {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public TaskType type() {
            return TaskType.PERPLEXITY;
        }

        public String text(Example e, String task) {
            return text.render(e, "task '" + task + "' text");
        }

        @Override
        public String demonstration(Example e, String task) {
            throw new UnsupportedOperationException("perplexity tasks have no few-shot demonstrations");
        }
    }

    /** A solved example as it appears in a few-shot context. */
    String demonstration(Example e, String task);
}
