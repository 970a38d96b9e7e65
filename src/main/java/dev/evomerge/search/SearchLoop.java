package dev.evomerge.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.io.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The candidate loop: ask the strategy, hand the new genomes of each generation to an {@link EvaluationBackend} (worker
 * threads of this process, or a cluster), journal each finished candidate (fsync'd) and tell the strategy. The loop
 * alone writes the journal, whichever backend evaluates. Resuming replays the journal through a freshly created strategy: since
 * strategies are deterministic given their seed and the fitness they were told, it asks for the same genomes again,
 * and every genome the journal holds gets its recorded fitness instead of an evaluation.
 *
 * <p>Staged evaluation prunes against the k-th best fitness among fully evaluated candidates of earlier generations:
 * frozen per generation, so the decisions do not depend on which worker finished first, and a resumed run makes the
 * same decisions as an uninterrupted one.
 */
public final class SearchLoop {

    /**
     * @param budget  most candidates evaluated in the run (journal lines), resumed ones included
     * @param workers parallel evaluators of the local backend
     * @param topK    the k of "k-th best" for pruning (and the number of candidates the finish re-scores)
     * @param timeLimit wall-clock budget of this process's loop: once it has passed, no further generation is asked
     *                for (the one being evaluated completes); null for none
     */
    public record Settings(int budget, int workers, int topK, Duration timeLimit) {
        public Settings(int budget, int workers, int topK) {
            this(budget, workers, topK, null);
        }

        public Settings {
            if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
                throw new IllegalArgumentException("time limit must be positive, but was " + timeLimit);
            }
            if (budget < 1) {
                throw new IllegalArgumentException("budget must be at least 1, but was " + budget);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, but was " + workers);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("top-k must be at least 1, but was " + topK);
            }
        }
    }

    /**
     * The journal after the run, what this process evaluated, how many entries it found journaled, and whether the
     * time limit stopped it (rather than the budget or the strategy).
     */
    public record LoopResult(List<JournalEntry> entries, int evaluatedNow, int replayed, double seconds,
                             boolean timedOut) {
        public LoopResult {
            entries = List.copyOf(entries);
        }
    }

    private final SearchSpace space;
    private final Strategy strategy;
    private final EvaluationBackend backend;
    private final boolean ownsBackend;
    private final Settings settings;
    private final PrintWriter log;
    private LongSupplier clock = System::nanoTime;
    private Consumer<List<JournalEntry>> afterGeneration = entries -> { };

    /** A loop on the {@link LocalBackend}: {@code settings.workers()} threads with evaluators from {@code evaluators}. */
    public SearchLoop(SearchSpace space, Strategy strategy, CandidateEvaluator.Factory evaluators, Settings settings,
                      PrintWriter log) {
        this(space, strategy, new LocalBackend(space, evaluators, settings.workers()), true, settings, log);
    }

    /** A loop on {@code backend}, which the caller keeps and closes. */
    public SearchLoop(SearchSpace space, Strategy strategy, EvaluationBackend backend, Settings settings,
                      PrintWriter log) {
        this(space, strategy, backend, false, settings, log);
    }

    private SearchLoop(SearchSpace space, Strategy strategy, EvaluationBackend backend, boolean ownsBackend,
                       Settings settings, PrintWriter log) {
        this.space = Objects.requireNonNull(space, "space");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.ownsBackend = ownsBackend;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.log = log;
    }

    /**
     * Calls {@code listener} with the journal so far after each generation has been journaled and told, e.g. to
     * rewrite the leaderboard while the run goes on; it runs on the loop's thread, between generations.
     */
    public SearchLoop afterEachGeneration(Consumer<List<JournalEntry>> listener) {
        this.afterGeneration = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** The clock the time limit is measured on, in nanoseconds (tests advance their own). */
    SearchLoop clock(LongSupplier nanos) {
        this.clock = Objects.requireNonNull(nanos, "nanos");
        return this;
    }

    /** Starts a new run in {@code runDir} with {@code config} in the journal header. */
    public LoopResult start(Path runDir, ObjectNode config) {
        try (Journal journal = Journal.create(runDir.resolve(Journal.FILE), config)) {
            return run(journal, List.of());
        }
    }

    /** Continues the run whose journal {@code contents} were read from {@code runDir}. */
    public LoopResult resume(Path runDir, Journal.Contents contents) {
        if (contents.tornTail() && log != null) {
            log.println("evomerge: dropped a torn last journal line (the previous run was killed mid-write)");
        }
        try (Journal journal = Journal.append(runDir.resolve(Journal.FILE), contents)) {
            return run(journal, contents.entries());
        }
    }

    private LoopResult run(Journal journal, List<JournalEntry> previous) {
        long t0 = System.nanoTime();
        long started = clock.getAsLong();
        boolean timedOut = false;
        List<JournalEntry> entries = new ArrayList<>(previous);
        Map<Genome, JournalEntry> known = new HashMap<>();
        for (JournalEntry e : previous) {
            if (known.putIfAbsent(e.genome(), e) != null) {
                throw new UserError("journal " + journal.file() + " lists genome " + e.genome() + " twice");
            }
        }
        int replayed = previous.size();
        int evaluatedNow = 0;
        Progress progress = new Progress("search", settings.budget(), null, System::nanoTime, Duration.ZERO, false);
        progress.advance(Math.min(previous.size(), settings.budget()));
        try {
            int generation = 0;
            while (!strategy.finished()) {
                if (settings.timeLimit() != null && clock.getAsLong() - started >= settings.timeLimit().toNanos()) {
                    timedOut = true;
                    break;
                }
                List<Genome> asked = strategy.ask();
                if (asked.isEmpty()) {
                    break;
                }
                List<Genome> fresh = new ArrayList<>();
                for (Genome g : asked) {
                    if (!known.containsKey(g) && !fresh.contains(g)) {
                        fresh.add(g);
                    }
                }
                int room = settings.budget() - entries.size();
                boolean truncated = fresh.size() > room;
                if (truncated) {
                    fresh = fresh.subList(0, Math.max(0, room));
                }
                double threshold = kthBest(entries, generation);
                if (!fresh.isEmpty()) {
                    evaluatedNow += evaluate(new EvaluationBackend.Batch(generation, fresh, threshold), journal,
                            entries, known, progress);
                }
                if (truncated) {
                    break;
                }
                List<Fitness> results = new ArrayList<>(asked.size());
                for (Genome g : asked) {
                    results.add(fitness(known.get(g)));
                }
                strategy.tell(asked, results);
                generation++;
                if (!fresh.isEmpty()) {
                    afterGeneration.accept(List.copyOf(entries));
                }
                if (entries.size() >= settings.budget()) {
                    break;
                }
            }
        } finally {
            if (ownsBackend) {
                backend.close();
            }
            progress.close();
        }
        if (log != null) {
            log.println(progressLine(progress, entries) + " (" + evaluatedNow + " evaluated now, " + replayed
                    + " replayed from the journal)");
            if (timedOut) {
                log.println("evomerge: the time limit of " + settings.timeLimit().toSeconds() + " s has passed: no"
                        + " more candidates this time (resuming the run continues it)");
            }
            log.flush();
        }
        return new LoopResult(entries, evaluatedNow, replayed, (System.nanoTime() - t0) / 1e9, timedOut);
    }

    private int evaluate(EvaluationBackend.Batch batch, Journal journal, List<JournalEntry> entries,
                         Map<Genome, JournalEntry> known, Progress progress) {
        boolean[] reported = new boolean[batch.genomes().size()];
        backend.evaluate(batch, (index, o) -> {
            Genome g = batch.genomes().get(index);
            Candidate c = decodeOrNull(g);
            synchronized (entries) {
                if (reported[index]) {
                    throw new IllegalStateException("the backend reported candidate " + g + " twice");
                }
                reported[index] = true;
                JournalEntry e = new JournalEntry(entries.size(), batch.generation(), strategy.name(), g,
                        c == null || c.recipe() == null ? null : c.recipe().toYaml(),
                        c == null || c.layerPath() == null ? null : c.layerPath().toString(), o.scores(),
                        o.fitness(), o.status(), o.reason(), o.mergeSeconds(), o.evalSeconds(),
                        System.currentTimeMillis());
                journal.write(e);
                entries.add(e);
                known.put(g, e);
                progress.advance(1);
                report(progress, entries);
            }
        });
        synchronized (entries) {
            for (int i = 0; i < reported.length; i++) {
                if (!reported[i]) {
                    throw new IllegalStateException(backend.describe() + " returned without evaluating candidate "
                            + batch.genomes().get(i));
                }
            }
        }
        return reported.length;
    }

    private Candidate decodeOrNull(Genome g) {
        try {
            return space.decode(g);
        } catch (UserError | IllegalArgumentException e) {
            return null;
        }
    }

    /** The k-th best fitness among fully evaluated candidates of generations before {@code generation}. */
    static double kthBest(List<JournalEntry> entries, int generation, int k) {
        List<Double> done = entries.stream()
                .filter(e -> e.generation() < generation && e.status().equals(CandidateStatus.EVALUATED))
                .map(JournalEntry::fitness).sorted(Comparator.reverseOrder()).toList();
        return done.size() < k ? Double.NEGATIVE_INFINITY : done.get(k - 1);
    }

    private double kthBest(List<JournalEntry> entries, int generation) {
        synchronized (entries) {
            return kthBest(entries, generation, settings.topK());
        }
    }

    /** What the strategy is told for a journaled candidate. */
    static Fitness fitness(JournalEntry e) {
        return new Fitness(e.scores(), e.fitness());
    }

    private long lastReport;

    private void report(Progress progress, List<JournalEntry> entries) {
        long now = System.nanoTime();
        if (log == null || now - lastReport < 1_000_000_000L) {
            return;
        }
        lastReport = now;
        log.println(progressLine(progress, entries));
        log.flush();
    }

    private static String progressLine(Progress progress, List<JournalEntry> entries) {
        JournalEntry best = best(entries);
        return progress.line(System.nanoTime()) + (best == null ? "" : String.format(Locale.ROOT,
                "  best %.4f (#%d)", best.fitness(), best.index()));
    }

    /** The best fully evaluated entry (first on ties), or null. */
    public static JournalEntry best(List<JournalEntry> entries) {
        return ranked(entries).stream().findFirst().orElse(null);
    }

    /** Fully evaluated entries, best first; ties keep journal order. */
    public static List<JournalEntry> ranked(List<JournalEntry> entries) {
        return entries.stream().filter(e -> e.status().equals(CandidateStatus.EVALUATED))
                .sorted(Comparator.comparingDouble(JournalEntry::fitness).reversed()
                        .thenComparingInt(JournalEntry::index))
                .toList();
    }

    /** Counts of entries per status. */
    public static Map<CandidateStatus, Long> counts(List<JournalEntry> entries) {
        Map<CandidateStatus, Long> m = new EnumMap<>(CandidateStatus.class);
        for (CandidateStatus s : CandidateStatus.values()) {
            m.put(s, entries.stream().filter(e -> e.status() == s).count());
        }
        return m;
    }
}
