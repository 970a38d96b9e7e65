package dev.evomerge.eval;

import dev.evomerge.model.LanguageModel.LogLikelihood;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fake model for a whole suite that knows the answers to exactly the examples whose ids are in {@code known}:
 * it generates the target (after some reasoning when the task extracts the answer by regex), prefers the gold choice, and assigns known texts log-probability −1 per token (else −3).
 * Everything else it gets wrong: "I do not know", the first choice (or the second when the first is gold).
 */
public final class Oracle {
    private Oracle() {}

    public static FakeModel of(Suite suite, Set<String> known) {
        Map<String, String> answers = new HashMap<>();
        Map<String, Double> choiceLogProbs = new HashMap<>();
        Map<String, LogLikelihood> texts = new HashMap<>();
        for (Task t : suite.tasks()) {
            for (List<Example> xs : t.slices().values()) {
                for (Example e : xs) {
                    String id = e.id().substring(3);
                    boolean knows = known.contains(id);
                    switch (t.format()) {
                        case TaskFormat.Generate g -> answers.put(t.context(e), !knows ? " I do not know"
                                : g.match().mode() == AnswerMatch.Mode.REGEX
                                        ? " Let me think: 2 steps. The answer is " + g.target(e, t.name())
                                        : " " + g.target(e, t.name()));
                        case TaskFormat.MultipleChoice m -> {
                            List<String> choices = m.choices(e, t.name());
                            int gold = m.gold(e, choices, t.name());
                            int pick = knows ? gold : (gold == 0 ? 1 : 0);
                            for (int c = 0; c < choices.size(); c++) {
                                choiceLogProbs.put(t.context(e) + "\u0000" + m.targetDelimiter() + choices.get(c),
                                        c == pick ? -0.5 : -50.0);
                            }
                        }
                        case TaskFormat.Perplexity p -> {
                            String text = p.text(e, t.name());
                            int tokens = SuiteRunner.countWords(text) + 1;
                            texts.put(text, new LogLikelihood((knows ? -1.0 : -3.0) * tokens, tokens, false));
                        }
                    }
                }
            }
        }
        return new FakeModel(p -> answers.getOrDefault(p, " ???"),
                (c, x) -> choiceLogProbs.getOrDefault(c + "\u0000" + x, -99.0),
                text -> texts.getOrDefault(text, new LogLikelihood(-100, 10, false)));
    }
}
