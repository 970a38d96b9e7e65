package dev.evomerge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.bench.MergeBenchmark;
import dev.evomerge.io.Trees;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.RuntimeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Memory and speed at real size: synthetic BF16 Llama-shaped checkpoints (hidden 2048, vocabulary 32000, as a
 * 1B-class model) at two depths, each with a word-level tokenizer, a suite of perplexity documents and multiple-choice
 * questions, and a TIES search space over three fine-tunes. {@code eval} and a short {@code search} run as child
 * processes of the real CLI, whose resident set is sampled from /proc; scoring speed is timed in this process.
 * Everything is reported per parameter of one model, so the figures carry across sizes (docs/memory.md).
 */
public final class ScaleBenchmark {
    /** Fine-tunes searched over (with the base): the issue's "3 sources". */
    static final int FINE_TUNES = 3;
    private static final int DOCS = 4;
    private static final int DOC_WORDS = 100;
    private static final int QUESTIONS = 4;
    private static final int CONTEXT_WORDS = 60;
    private static final int CHOICES = 4;
    private static final int CHOICE_WORDS = 3;
    private static final int SAMPLE_MILLIS = 100;

    /**
     * The command lines the children run, from the CLI that knows its flags: {@code mainClass} and its arguments
     * for an {@code eval} of the search slice without the score cache, and for a {@code search} with the random
     * strategy whose run directory is {@code out/runId}.
     */
    public interface Commands {
        String mainClass();

        List<String> eval(Path model, Path suite);

        List<String> search(Path space, Path suite, Path gates, int budget, Path out, String runId, int threads);
    }

    public record Options(Path dir, List<Integer> layers, int budget, int threads, Commands commands) {
        public Options {
            Objects.requireNonNull(commands, "commands");
            layers = List.copyOf(layers);
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("at least one model depth is needed");
            }
            if (budget < 1) {
                throw new IllegalArgumentException("budget must be at least 1, but was " + budget);
            }
        }
    }

    /** Peak and per-candidate resident set of one child process. */
    public record Memory(long peakRss, double seconds, List<Long> rssAfterCandidate) {
        /** RSS when the journal first held {@code k} candidates, or -1 if it never did. */
        public long afterCandidate(int k) {
            return k < rssAfterCandidate.size() ? rssAfterCandidate.get(k) : -1;
        }
    }

    /**
     * Scoring speed in this process: tokens per second of the suite's requests (multiple choice with each context
     * computed once, as evomerge scores it, and with every choice scored on its own, as before).
     */
    public record Speed(int threads, double multipleChoiceTokensPerSecond, double unsharedTokensPerSecond,
                        double perplexityTokensPerSecond) {
    }

    public record Row(int layers, long params, Memory eval, Memory search, List<Speed> speeds) {
        double evalBytesPerParam() {
            return (double) eval.peakRss() / params;
        }

        double searchBytesPerParam() {
            return (double) search.peakRss() / params;
        }
    }

    public record Report(String machine, int budget, List<Row> rows) {
    }

    private ScaleBenchmark() {
    }

    public static Report run(Options o, Consumer<String> log) {
        List<Row> rows = new ArrayList<>();
        for (int layers : o.layers()) {
            Path dir = o.dir().resolve("layers-" + layers);
            SyntheticCheckpoints.Dims dims = MergeBenchmark.dims(layers);
            List<String> models = new ArrayList<>(List.of("base"));
            for (int i = 1; i <= FINE_TUNES; i++) {
                models.add("ft" + i);
            }
            MergeBenchmark.ensureModels(dir, dims, models, Math.max(1, o.threads()), log);
            writeFixtures(dir, models, layers);
            long params = SyntheticCheckpoints.plan(dims, DType.BF16).stream()
                    .mapToLong(t -> t.numel()).sum();
            log.accept(String.format(Locale.ROOT, "%d layers, %.2fB parameters: eval ...", layers, params / 1e9));
            Path suite = dir.resolve("suite/suite.yaml");
            Memory eval = child(dir, o.commands().mainClass(), null, log,
                    o.commands().eval(dir.resolve("base"), suite));
            log.accept(String.format(Locale.ROOT, "  eval peak RSS %.2f GB (%.2f B/param)", eval.peakRss() / 1e9,
                    (double) eval.peakRss() / params));
            String runId = "bench-" + System.currentTimeMillis();
            Path runs = dir.resolve("runs");
            log.accept("  search (" + o.budget() + " candidates, then the finish) ...");
            Memory search = child(dir, o.commands().mainClass(), runs.resolve(runId).resolve("journal.jsonl"), log,
                    o.commands().search(dir.resolve("space.yaml"), suite, dir.resolve("gates.yaml"), o.budget(), runs,
                            runId, o.threads()));
            log.accept(String.format(Locale.ROOT, "  search peak RSS %.2f GB (%.2f B/param)", search.peakRss() / 1e9,
                    (double) search.peakRss() / params));
            Trees.delete(runs.resolve(runId));
            List<Speed> speeds = new ArrayList<>();
            for (int threads : threadCounts(o.threads())) {
                speeds.add(speed(dir, threads, log));
            }
            rows.add(new Row(layers, params, eval, search, speeds));
            // Each size's row as soon as it is measured: a long run interrupted later keeps what it found.
            String table = markdown(new Report("", o.budget(), List.of(rows.getLast())));
            log.accept(table.lines().skip(2).findFirst().orElse(""));
        }
        return new Report(MergeBenchmark.machine(), o.budget(), rows);
    }

    private static List<Integer> threadCounts(int threads) {
        int all = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return all == 1 ? List.of(1) : List.of(1, all);
    }

    /**
     * Runs {@code mainClass} with {@code args} (a command, then its arguments) in a child JVM with this one's JVM
     * options, sampling its resident set until it exits.
     */
    private static Memory child(Path dir, String mainClass, Path journal, Consumer<String> log, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Path logFile = dir.resolve(args.getFirst() + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            long t0 = System.nanoTime();
            Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
            long peak = 0;
            List<Long> after = new ArrayList<>();
            while (p.isAlive()) {
                long[] rss = rss(status);
                peak = Math.max(peak, rss[1]);
                int n = journal == null ? 0 : candidates(journal);
                while (after.size() <= n && rss[0] > 0) {
                    after.add(rss[0]);
                }
                Thread.sleep(SAMPLE_MILLIS);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (p.exitValue() != 0) {
                throw new IllegalStateException("'evomerge " + String.join(" ", args) + "' exited with "
                        + p.exitValue() + "; its output is in " + logFile);
            }
            return new Memory(peak, seconds, List.copyOf(after));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {VmRSS, VmHWM} in bytes, zeros once the process is gone. */
    private static long[] rss(Path status) {
        long[] out = new long[2];
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                } else if (line.startsWith("VmHWM:")) {
                    out[1] = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // exited between the liveness check and the read
        }
        return out;
    }

    /** Journal lines after the header, counting only complete lines. */
    private static int candidates(Path journal) {
        try {
            if (!Files.isRegularFile(journal)) {
                return 0;
            }
            byte[] bytes = Files.readAllBytes(journal);
            int lines = 0;
            for (byte b : bytes) {
                if (b == '\n') {
                    lines++;
                }
            }
            return Math.max(0, lines - 1);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Scoring speed of the suite's requests in this process (after one warm-up pass). */
    private static Speed speed(Path dir, int threads, Consumer<String> log) {
        List<LanguageModel.Continuation> choices = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(11);
        long mcTokens = 0;
        for (int q = 0; q < QUESTIONS; q++) {
            String ctx = words(r, CONTEXT_WORDS);
            for (int c = 0; c < CHOICES; c++) {
                choices.add(new LanguageModel.Continuation(ctx, " " + words(r, CHOICE_WORDS)));
                mcTokens += 1 + CONTEXT_WORDS + CHOICE_WORDS; // BOS + context + choice, as scored without sharing
            }
        }
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < DOCS; d++) {
            docs.add(words(r, DOC_WORDS));
        }
        long pplTokens = (long) DOCS * (DOC_WORDS + 1);
        RuntimeOptions options = RuntimeOptions.defaults().withIntraOpThreads(threads);
        double mc;
        double ppl;
        try (LlamaModel m = LlamaModel.load(dir.resolve("base"), options)) {
            m.logLikelihood(choices);
            m.rollingLogLikelihood(docs);
            mc = tokensPerSecond(mcTokens, () -> m.logLikelihood(choices));
            ppl = tokensPerSecond(pplTokens, () -> m.rollingLogLikelihood(docs));
        }
        double unshared;
        try (LlamaModel m = LlamaModel.load(dir.resolve("base"), options.withShareContexts(false))) {
            m.logLikelihood(choices);
            unshared = tokensPerSecond(mcTokens, () -> m.logLikelihood(choices));
        }
        log.accept(String.format(Locale.ROOT, "  %d thread(s): multiple choice %.0f tokens/s (%.2fx scoring each"
                + " choice on its own: %.0f), perplexity %.0f tokens/s", threads, mc, mc / unshared, unshared, ppl));
        return new Speed(threads, mc, unshared, ppl);
    }

    private static double tokensPerSecond(long tokens, Runnable work) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            work.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return tokens / best;
    }

    /** Words of the fixture tokenizer: every id but the three specials is the word "w&lt;id&gt;". */
    private static String words(SplittableRandom r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append('w').append(r.nextInt(3, MergeBenchmark.dims(1).vocab()));
        }
        return sb.toString();
    }

    /** Tokenizer (one word per id, split on whitespace), suite, search space and gates beside the models. */
    private static void writeFixtures(Path dir, List<String> models, int layers) {
        try {
            ObjectMapper json = new ObjectMapper();
            byte[] tokenizer = json.writeValueAsBytes(tokenizer(MergeBenchmark.dims(layers).vocab()));
            for (String m : models) {
                Files.write(dir.resolve(m).resolve("tokenizer.json"), tokenizer);
            }
            Path suite = Files.createDirectories(dir.resolve("suite"));
            SplittableRandom r = new SplittableRandom(7);
            for (String slice : List.of("search", "heldout")) {
                StringBuilder ppl = new StringBuilder();
                for (int d = 0; d < DOCS; d++) {
                    ObjectNode doc = json.createObjectNode().put("id", slice + d).put("text", words(r, DOC_WORDS));
                    ppl.append(json.writeValueAsString(doc)).append('\n');
                }
                Files.writeString(suite.resolve("ppl-" + slice + ".jsonl"), ppl);
                StringBuilder mc = new StringBuilder();
                for (int q = 0; q < QUESTIONS; q++) {
                    ObjectNode ex = json.createObjectNode().put("id", slice + q)
                            .put("question", words(r, CONTEXT_WORDS)).put("gold", r.nextInt(CHOICES));
                    ArrayNode ch = ex.putArray("choices");
                    for (int c = 0; c < CHOICES; c++) {
                        ch.add(words(r, CHOICE_WORDS));
                    }
                    mc.append(json.writeValueAsString(ex)).append('\n');
                }
                Files.writeString(suite.resolve("mc-" + slice + ".jsonl"), mc);
            }
            Files.writeString(suite.resolve("suite.yaml"), """
                    format: evomerge-eval-suite
                    version: 1
                    name: scale
                    slices: [search, heldout]
                    tasks:
                      - name: ppl
                        type: perplexity
                        data: {search: ppl-search.jsonl, heldout: ppl-heldout.jsonl}
                      - name: mc
                        type: multiple_choice
                        data: {search: mc-search.jsonl, heldout: mc-heldout.jsonl}
                        prompt: "{question}"
                    """);
            StringBuilder sources = new StringBuilder();
            for (String m : models.subList(1, models.size())) {
                sources.append(sources.isEmpty() ? "" : ", ").append(m).append(": ").append(m);
            }
            Files.writeString(dir.resolve("space.yaml"), """
                    format: evomerge-search-space
                    version: 1
                    base: base
                    sources: {%s}
                    layers: %d
                    method: ties
                    parameters:
                      weight: {range: [0, 1], granularity: {layers_per_group: 3}}
                      density: {range: [0.1, 1], granularity: global}
                    objective:
                      tasks: [mc]
                    """.formatted(sources, layers));
            Files.writeString(dir.resolve("gates.yaml"), """
                    format: evomerge-gates
                    version: 1
                    suite: suite/suite.yaml
                    slice: heldout
                    base: base
                    gates:
                      - {task: mc, min: 0.0}
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Hugging Face word-level tokenizer: specials &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2, then "w3", "w4", .... */
    static ObjectNode tokenizer(int vocab) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode t = f.objectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        ObjectNode words = f.objectNode();
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", i).put("content", specials[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
            words.put(specials[i], i);
        }
        for (int i = specials.length; i < vocab; i++) {
            words.put("w" + i, i);
        }
        t.putNull("normalizer");
        t.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        t.putNull("post_processor");
        t.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", false);
        ObjectNode model = t.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", words);
        model.put("unk_token", "<unk>");
        return t;
    }

    /** The README table. */
    public static String markdown(Report r) {
        StringBuilder md = new StringBuilder();
        md.append("| layers | parameters | eval peak RSS | B/param | search peak RSS | B/param | RSS after candidate 3"
                + " → " + r.budget() + " | MC tokens/s (1 thread / all) | MC shared ÷ per choice | perplexity tokens/s"
                + " (1 / all) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : r.rows()) {
            long a3 = row.search().afterCandidate(3);
            long aN = row.search().afterCandidate(r.budget());
            String drift = a3 > 0 && aN > 0 ? String.format(Locale.ROOT, "%.2f → %.2f GB (%+.1f%%)", a3 / 1e9,
                    aN / 1e9, 100.0 * (aN - a3) / a3) : "–";
            Speed fastest = row.speeds().getLast();
            md.append(String.format(Locale.ROOT, "| %d | %.2fB | %.2f GB | %.2f | %.2f GB | %.2f | %s | %s | %.2f× |"
                            + " %s |%n", row.layers(), row.params() / 1e9, row.eval().peakRss() / 1e9,
                    row.evalBytesPerParam(), row.search().peakRss() / 1e9, row.searchBytesPerParam(), drift,
                    speeds(row, true), fastest.multipleChoiceTokensPerSecond() / fastest.unsharedTokensPerSecond(),
                    speeds(row, false)));
        }
        if (r.rows().size() >= 2) {
            Row a = r.rows().getFirst();
            Row b = r.rows().getLast();
            double dp = b.params() - a.params();
            md.append(String.format(Locale.ROOT, "%nSlope between the sizes (extra RSS per extra parameter): eval %.2f"
                            + " B/param, search %.2f B/param.%n",
                    (b.eval().peakRss() - a.eval().peakRss()) / dp, (b.search().peakRss() - a.search().peakRss()) / dp));
        }
        return md.toString();
    }

    private static String speeds(Row row, boolean mc) {
        List<String> parts = new ArrayList<>();
        for (Speed s : row.speeds()) {
            parts.add(String.format(Locale.ROOT, "%.0f", mc ? s.multipleChoiceTokensPerSecond()
                    : s.perplexityTokensPerSecond()));
        }
        return String.join(" / ", parts);
    }
}
