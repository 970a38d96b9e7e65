package dev.evomerge.search.refine;

import dev.evomerge.UserError;
import dev.evomerge.eval.Example;
import dev.evomerge.eval.Task;
import dev.evomerge.eval.TaskFormat;
import dev.evomerge.model.TextTokenizer;
import dev.evomerge.search.SearchSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The search slice as teacher-forced token rows for the refinement loss: per example the context and the continuation
 * the scorer rewards, tokenized as the runtime scores a continuation ({@code [BOS] encode(context + continuation)},
 * the continuation's tokens being those past {@code encode(context)}, trailing whitespace of the context moved to the
 * continuation as lm-eval does). Generate tasks: the target; multiple choice:
 * the target delimiter and the gold choice; perplexity: the whole text. Each row's target positions carry
 * {@code taskWeight / (sum of task weights x the task's target tokens)}, so the weights of all rows sum to 1 and the
 * loss is the task-weighted mean of each task's per-token negative log-likelihood: a task with long targets does not
 * drown the others.
 *
 * @param ids     token ids per row
 * @param weights per-position loss weight (position p weighs the prediction of ids[p] from ids[..p))
 */
record TargetDocs(List<int[]> ids, List<float[]> weights) {
    TargetDocs {
        ids = List.copyOf(ids);
        weights = List.copyOf(weights);
    }

    static TargetDocs of(SearchSlice slice, TextTokenizer tokenizer, int bos, Map<String, Double> taskWeights,
                         int maxLength) {
        double weightSum = 0;
        for (Task t : slice.suite().tasks()) {
            weightSum += taskWeights.getOrDefault(t.name(), 0.0);
        }
        if (!(weightSum > 0)) {
            throw new UserError("gradient refinement needs an objective with a positive weight on some task of "
                    + slice.suite().file());
        }
        List<int[]> ids = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        for (Task t : slice.suite().tasks()) {
            double w = taskWeights.getOrDefault(t.name(), 0.0);
            if (w == 0) {
                continue;
            }
            List<int[]> rows = new ArrayList<>();
            List<Integer> scoredFrom = new ArrayList<>();
            long tokens = 0;
            for (Example e : t.examples(SearchSlice.SLICE)) {
                String[] cc = contextAndContinuation(t, e);
                int[] whole = tokenizer.encode(cc[0] + cc[1]);
                int ctx = cc[0].isEmpty() ? 0 : Math.min(tokenizer.encode(cc[0]).length, whole.length);
                int[] row = new int[whole.length + (bos >= 0 ? 1 : 0)];
                int shift = bos >= 0 ? 1 : 0;
                if (bos >= 0) {
                    row[0] = bos;
                }
                System.arraycopy(whole, 0, row, shift, whole.length);
                if (row.length > maxLength) {
                    throw new UserError("task '" + t.name() + "' example " + e.origin() + " is " + row.length
                            + " tokens, longer than the model's " + maxLength);
                }
                int from = Math.max(1, ctx + shift);
                rows.add(row);
                scoredFrom.add(from);
                tokens += Math.max(0, row.length - from);
            }
            if (tokens == 0) {
                continue;
            }
            float per = (float) (w / (weightSum * tokens));
            for (int i = 0; i < rows.size(); i++) {
                float[] pw = new float[rows.get(i).length];
                for (int p = scoredFrom.get(i); p < pw.length; p++) {
                    pw[p] = per;
                }
                ids.add(rows.get(i));
                weights.add(pw);
            }
        }
        if (ids.isEmpty()) {
            throw new UserError("the search slice of " + slice.suite().file() + " has no target tokens to refine on");
        }
        return new TargetDocs(ids, weights);
    }

    /** What the scorer rewards for one example: {context, continuation}. */
    private static String[] contextAndContinuation(Task t, Example e) {
        String[] cc = switch (t.format()) {
            case TaskFormat.Generate g -> new String[] {t.context(e), g.target(e, t.name())};
            case TaskFormat.MultipleChoice m -> {
                List<String> choices = m.choices(e, t.name());
                yield new String[] {t.context(e), m.targetDelimiter() + choices.get(m.gold(e, choices, t.name()))};
            }
            case TaskFormat.Perplexity p -> new String[] {"", p.text(e, t.name())};
        };
        int cut = cc[0].length();
        while (cut > 0 && Character.isWhitespace(cc[0].charAt(cut - 1))) {
            cut--;
        }
        return new String[] {cc[0].substring(0, cut), cc[0].substring(cut) + cc[1]};
    }

    int size() {
        return ids.size();
    }
}
