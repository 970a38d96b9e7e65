package dev.evomerge.search;

import dev.evomerge.eval.Example;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The only part of a suite the search loop ever holds: a copy of the suite whose tasks keep their {@value #SLICE}
 * examples and nothing else. The held-out slice is not hidden behind a check but absent from every object the loop
 * can reach, so no code path in the loop can score on it; only the finish step (gates) gets the full suite.
 */
public final class SearchSlice {
    public static final String SLICE = "search";

    private final Suite suite;

    private SearchSlice(Suite suite) {
        this.suite = suite;
    }

    /** The search slice of {@code full}; its hash is the full suite's, qualified by the slice. */
    public static SearchSlice of(Suite full) {
        full.requireSlice(SLICE);
        List<Task> tasks = new ArrayList<>();
        for (Task t : full.tasks()) {
            tasks.add(withExamples(t, t.examples(SLICE)));
        }
        return new SearchSlice(new Suite(full.file(), full.name(), List.of(SLICE), tasks, full.hash() + "/" + SLICE));
    }

    private static Task withExamples(Task t, List<Example> xs) {
        return new Task(t.name(), t.format(), t.metric(), t.weight(), t.fewshot(), t.fewshotSeparator(),
                Map.of(SLICE, xs));
    }

    /** A suite holding only the search slice (slice name {@value #SLICE}). */
    public Suite suite() {
        return suite;
    }

    public List<String> taskNames() {
        return suite.tasks().stream().map(Task::name).toList();
    }

    /** The search slice split in two per task: the first {@code fraction} (at least one example) and the rest. */
    public record Stages(Suite head, Suite tail) {
        public Stages {
            Objects.requireNonNull(head, "head");
        }
    }

    /**
     * Staged evaluation's split: {@code head} has each task's first ceil(fraction·n) examples, {@code tail} the rest
     * (tasks with nothing left are absent from it; null if no task has anything left).
     */
    public Stages stages(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("stage fraction must be in (0, 1], but was " + fraction);
        }
        List<Task> head = new ArrayList<>();
        List<Task> tail = new ArrayList<>();
        for (Task t : suite.tasks()) {
            List<Example> xs = t.examples(SLICE);
            int k = Math.max(1, (int) Math.ceil(fraction * xs.size()));
            head.add(withExamples(t, xs.subList(0, Math.min(k, xs.size()))));
            if (k < xs.size()) {
                tail.add(withExamples(t, xs.subList(k, xs.size())));
            }
        }
        Suite h = new Suite(suite.file(), suite.name(), List.of(SLICE), head, suite.hash() + "/head" + fraction);
        Suite tl = tail.isEmpty() ? null
                : new Suite(suite.file(), suite.name(), List.of(SLICE), tail, suite.hash() + "/tail" + fraction);
        return new Stages(h, tl);
    }
}
