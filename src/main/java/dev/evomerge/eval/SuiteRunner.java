package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.evomerge.Resources;
import dev.evomerge.UserError;
import dev.evomerge.io.Progress;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LanguageModel.Continuation;
import dev.evomerge.model.LanguageModel.Generation;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Scores a model on one slice of a suite, task by task, with lm-evaluation-harness's request semantics. Requests go
 * to the model in chunks of {@code batchSize} examples so progress can be reported; the model batches internally.
 */
public final class SuiteRunner {
    /**
     * Bumped whenever a change here can change a score; part of every suite hash, so stale cached results are never
     * reused after such a change.
     */
    public static final int SCORING_VERSION = 1;

    private final int batchSize;
    private final Progress.Factory progress;

    public SuiteRunner(int batchSize, Progress.Factory progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, but was " + batchSize);
        }
        this.batchSize = batchSize;
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Scores every task on {@code slice}; {@code limit} > 0 scores only each task's first {@code limit} examples
     * (file order, as lm-eval's {@code --limit}). Every task is checked to have examples before any inference.
     */
    public SuiteResult evaluate(LanguageModel model, String modelHash, Suite suite, String slice, int limit) {
        return evaluate(model, modelHash, suite, slice, limit, null);
    }

    /** As {@link #evaluate(LanguageModel, String, Suite, String, int)}; a non-null {@code log} gets every example. */
    public SuiteResult evaluate(LanguageModel model, String modelHash, Suite suite, String slice, int limit,
            SampleLog log) {
        if (limit < 0) {
            throw new UserError("the example limit must not be negative, but was " + limit);
        }
        suite.requireSlice(slice);
        long total = 0;
        for (Task t : suite.tasks()) {
            total += limited(t.examples(slice), limit).size();
            if (t.format() instanceof TaskFormat.Generate g) {
                requireGenerationFits(suite, t, g, limited(t.examples(slice), limit));
            }
        }
        List<TaskResult> results = new ArrayList<>();
        try (Progress p = progress.start("eval " + suite.name() + "/" + slice, total)) {
            for (Task t : suite.tasks()) {
                results.add(evaluateTask(model, t, slice, limit, p, log));
            }
        }
        return new SuiteResult(suite.name(), suite.hash(), modelHash, slice, limit, results);
    }

    /**
     * Greedy generation keeps, per row and position, a token id, a position and a validity flag on the heap (8 + 8 + 1
     * bytes) plus the output id (4): a lower bound for one row, so a refusal here is never wrong. Prompt tokens are
     * bounded by the prompt's UTF-8 bytes (byte-level BPE) plus a few specials.
     */
    private static void requireGenerationFits(Suite suite, Task task, TaskFormat.Generate g, List<Example> xs) {
        long prompt = 0;
        for (Example e : xs) {
            prompt = Math.max(prompt, task.context(e).getBytes(StandardCharsets.UTF_8).length + 8L);
        }
        Resources.requireHeap(suite.file() + ": task '" + task.name() + "': max_tokens " + g.maxTokens(),
                Resources.product(prompt + g.maxTokens(), 21));
    }

    static List<Example> limited(List<Example> xs, int limit) {
        return limit > 0 && limit < xs.size() ? xs.subList(0, limit) : xs;
    }

    TaskResult evaluateTask(LanguageModel model, Task task, String slice, int limit, Progress p, SampleLog log) {
        List<Example> all = task.examples(slice);
        List<Example> xs = limited(all, limit);
        Map<String, MetricValue> metrics = switch (task.format()) {
            case TaskFormat.Generate g -> generate(model, task, g, xs, p, log);
            case TaskFormat.MultipleChoice m -> multipleChoice(model, task, m, xs, p, log);
            case TaskFormat.Perplexity pp -> perplexity(model, task, pp, xs, p, log);
        };
        return new TaskResult(task.name(), task.type(), task.metric(), task.weight(), task.fewshot().size(),
                all.size(), xs.size(), metrics);
    }

    private Map<String, MetricValue> generate(LanguageModel model, Task task, TaskFormat.Generate g,
            List<Example> xs, Progress p, SampleLog log) {
        Generation limits = new Generation(g.maxTokens(), g.stop());
        long correct = 0;
        for (int from = 0; from < xs.size(); from += batchSize) {
            List<Example> chunk = xs.subList(from, Math.min(xs.size(), from + batchSize));
            List<String> prompts = chunk.stream().map(task::context).toList();
            List<String> outputs = checkSize(model.generate(prompts, limits), prompts.size(), "generate");
            for (int i = 0; i < chunk.size(); i++) {
                String out = truncateAtStop(outputs.get(i), g.stop());
                String target = g.target(chunk.get(i), task.name());
                boolean hit = g.match().matches(out, target);
                if (hit) {
                    correct++;
                }
                if (log != null) {
                    var kwargs = JsonNodeFactory.instance.objectNode();
                    g.stop().forEach(kwargs.putArray("until")::add);
                    kwargs.put("max_gen_toks", g.maxTokens());
                    var resps = SampleLog.array();
                    resps.addArray().add(outputs.get(i));
                    log.add(task.name(), from + i, chunk.get(i), target,
                            List.of(List.of(SampleLog.text(prompts.get(i)), kwargs)), resps,
                            SampleLog.array().add(out), Map.of("exact_match", hit ? one() : zero()));
                }
            }
            p.advance(chunk.size());
        }
        Map<String, MetricValue> m = new LinkedHashMap<>();
        m.put("exact_match", proportion(correct, xs.size()));
        return m;
    }

    /** The model contract removes the stop string already; cutting again keeps scoring independent of it. */
    static String truncateAtStop(String s, List<String> stop) {
        int cut = s.length();
        for (String st : stop) {
            int i = s.indexOf(st);
            if (i >= 0 && i < cut) {
                cut = i;
            }
        }
        return s.substring(0, cut);
    }

    /**
     * lm-eval's multiple_choice: acc takes the argmax of the choices' summed log-likelihoods; acc_norm divides each by
     * the choice's length in characters (Unicode code points of the choice text, without the delimiter, as
     * lm-eval's {@code len(choice)}); acc_norm_bytes divides by its UTF-8 byte length. Ties go to the first choice,
     * as numpy's argmax.
     */
    private Map<String, MetricValue> multipleChoice(LanguageModel model, Task task, TaskFormat.MultipleChoice mc,
            List<Example> xs, Progress p, SampleLog log) {
        long acc = 0;
        long accNorm = 0;
        long accBytes = 0;
        for (int from = 0; from < xs.size(); from += batchSize) {
            List<Example> chunk = xs.subList(from, Math.min(xs.size(), from + batchSize));
            List<Continuation> requests = new ArrayList<>();
            List<List<String>> choiceLists = new ArrayList<>();
            for (Example e : chunk) {
                String context = task.context(e);
                List<String> choices = mc.choices(e, task.name());
                choiceLists.add(choices);
                for (String c : choices) {
                    requests.add(new Continuation(context, mc.targetDelimiter() + c));
                }
            }
            List<LogLikelihood> lls = checkSize(model.logLikelihood(requests), requests.size(), "logLikelihood");
            int k = 0;
            for (int i = 0; i < chunk.size(); i++) {
                List<String> choices = choiceLists.get(i);
                int gold = mc.gold(chunk.get(i), choices, task.name());
                int first = k;
                double[] raw = new double[choices.size()];
                double[] perChar = new double[choices.size()];
                double[] perByte = new double[choices.size()];
                for (int c = 0; c < choices.size(); c++) {
                    double lp = checkLogProb(lls.get(k++).logProb(), task);
                    String choice = choices.get(c);
                    raw[c] = lp;
                    perChar[c] = lp / choice.codePointCount(0, choice.length());
                    perByte[c] = lp / choice.getBytes(StandardCharsets.UTF_8).length;
                }
                acc += argmax(raw) == gold ? 1 : 0;
                accNorm += argmax(perChar) == gold ? 1 : 0;
                accBytes += argmax(perByte) == gold ? 1 : 0;
                if (log != null) {
                    List<List<JsonNode>> args = new ArrayList<>();
                    var resps = SampleLog.array();
                    var filtered = SampleLog.array();
                    for (int c = 0; c < choices.size(); c++) {
                        Continuation req = requests.get(first + c);
                        args.add(List.of(SampleLog.text(req.context()), SampleLog.text(req.continuation())));
                        LogLikelihood ll = lls.get(first + c);
                        resps.addArray().addArray().add(ll.logProb()).add(ll.greedy());
                        filtered.addArray().add(ll.logProb()).add(ll.greedy());
                    }
                    Map<String, JsonNode> perExample = new LinkedHashMap<>();
                    perExample.put("acc", argmax(raw) == gold ? one() : zero());
                    perExample.put("acc_norm", argmax(perChar) == gold ? one() : zero());
                    perExample.put("acc_norm_bytes", argmax(perByte) == gold ? one() : zero());
                    log.add(task.name(), from + i, chunk.get(i), Integer.toString(gold), args, resps, filtered,
                            perExample);
                }
            }
            p.advance(chunk.size());
        }
        Map<String, MetricValue> m = new LinkedHashMap<>();
        m.put("acc", proportion(acc, xs.size()));
        m.put("acc_norm", proportion(accNorm, xs.size()));
        m.put("acc_norm_bytes", proportion(accBytes, xs.size()));
        return m;
    }

    /** First index of the maximum. */
    static int argmax(double[] xs) {
        int best = 0;
        for (int i = 1; i < xs.length; i++) {
            if (xs[i] > xs[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Token, word and byte perplexity exp(−Σ log p / Σ units) and bits per byte (−Σ log p / Σ bytes / ln 2), as
     * lm-eval's rolling-log-likelihood tasks (words are maximal runs of non-whitespace). Each is a ratio of sums
     * over documents; its 95% interval comes from the ratio's linearization standard error on the log scale, so the
     * perplexity interval is exp(−R ± z·se) ("log-normal").
     */
    private Map<String, MetricValue> perplexity(LanguageModel model, Task task, TaskFormat.Perplexity pp,
            List<Example> xs, Progress p, SampleLog log) {
        int n = xs.size();
        double[] lp = new double[n];
        double[] tokens = new double[n];
        double[] words = new double[n];
        double[] bytes = new double[n];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            List<String> texts = xs.subList(from, to).stream().map(e -> pp.text(e, task.name())).toList();
            List<LogLikelihood> lls = checkSize(model.rollingLogLikelihood(texts), texts.size(),
                    "rollingLogLikelihood");
            for (int i = from; i < to; i++) {
                LogLikelihood ll = lls.get(i - from);
                String text = texts.get(i - from);
                lp[i] = checkLogProb(ll.logProb(), task);
                tokens[i] = ll.tokens();
                words[i] = countWords(text);
                bytes[i] = text.getBytes(StandardCharsets.UTF_8).length;
                if (log != null) {
                    var resps = SampleLog.array();
                    resps.addArray().add(lp[i]);
                    Map<String, JsonNode> perExample = new LinkedHashMap<>();
                    perExample.put("token_perplexity", SampleLog.array().add(lp[i]).add(tokens[i]));
                    perExample.put("word_perplexity", SampleLog.array().add(lp[i]).add(words[i]));
                    perExample.put("byte_perplexity", SampleLog.array().add(lp[i]).add(bytes[i]));
                    perExample.put("bits_per_byte", SampleLog.array().add(lp[i]).add(bytes[i]));
                    log.add(task.name(), i, xs.get(i), text, List.of(List.of(SampleLog.text(text))), resps,
                            SampleLog.array().add(lp[i]), perExample);
                }
            }
            p.advance(to - from);
        }
        Map<String, MetricValue> m = new LinkedHashMap<>();
        m.put("token_perplexity", perplexityOf(Stats.ratio(lp, nonZero(tokens, "tokens", task))));
        m.put("word_perplexity", perplexityOf(Stats.ratio(lp, nonZero(words, "words", task))));
        m.put("byte_perplexity", perplexityOf(Stats.ratio(lp, nonZero(bytes, "bytes", task))));
        Stats.Ratio perByte = Stats.ratio(lp, bytes);
        double bpb = -perByte.value() / Math.log(2);
        double se = perByte.stderr() / Math.log(2);
        m.put("bits_per_byte", Double.isNaN(se)
                ? new MetricValue(bpb, Double.NaN, 0, Double.POSITIVE_INFINITY, "normal", false)
                : new MetricValue(bpb, se, Math.max(0, bpb - Stats.Z95 * se), bpb + Stats.Z95 * se, "normal", false));
        return m;
    }

    private static JsonNode one() {
        return DoubleNode.valueOf(1.0);
    }

    private static JsonNode zero() {
        return DoubleNode.valueOf(0.0);
    }

    static int countWords(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private static double[] nonZero(double[] units, String what, Task task) {
        double sum = 0;
        for (double u : units) {
            sum += u;
        }
        if (sum <= 0) {
            throw new UserError("task '" + task.name() + "': the scored texts contain no " + what
                    + ", so perplexity is undefined");
        }
        return units;
    }

    static MetricValue perplexityOf(Stats.Ratio r) {
        double ppl = Math.exp(-r.value());
        if (Double.isNaN(r.stderr())) {
            return new MetricValue(ppl, Double.NaN, 0, Double.POSITIVE_INFINITY, "log-normal", false);
        }
        return new MetricValue(ppl, ppl * r.stderr(), Math.exp(-r.value() - Stats.Z95 * r.stderr()),
                Math.exp(-r.value() + Stats.Z95 * r.stderr()), "log-normal", false);
    }

    static MetricValue proportion(long k, long n) {
        Stats.Interval ci = Stats.wilson(k, n, Stats.Z95);
        double p = (double) k / n;
        return new MetricValue(p, Stats.binaryStderr(k, n), Math.min(ci.low(), p), Math.max(ci.high(), p), "wilson",
                true);
    }

    private static double checkLogProb(double logProb, Task task) {
        if (Double.isNaN(logProb) || logProb > 0) {
            throw new IllegalStateException("the model returned log-probability " + logProb + " for task '"
                    + task.name() + "'; it must be a number <= 0");
        }
        return logProb;
    }

    private static <T> List<T> checkSize(List<T> out, int expected, String call) {
        if (out.size() != expected) {
            throw new IllegalStateException("the model's " + call + " returned " + out.size() + " results for "
                    + expected + " requests");
        }
        return out;
    }
}
