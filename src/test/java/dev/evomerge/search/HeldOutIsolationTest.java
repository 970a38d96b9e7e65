package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.eval.SuiteRunner;
import dev.evomerge.eval.FakeModel;
import dev.evomerge.io.Progress;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.Task;
import dev.evomerge.gate.GateFile;
import dev.evomerge.search.space.Objective;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search loop cannot read the held-out slice: it is absent from everything the loop holds. */
class HeldOutIsolationTest {
    @TempDir
    Path dir;

    @Test
    void theSearchViewHoldsNoHeldOutExample() {
        Suite full = Suite.load(GenSuite.write(dir, List.of("t1", "t2"), 6, 5));
        SearchSlice slice = SearchSlice.of(full);
        assertEquals(List.of("search"), slice.suite().sliceNames());
        for (Task t : slice.suite().tasks()) {
            assertEquals(Set.of("search"), t.slices().keySet());
            assertEquals(full.task(t.name()).examples("search"), t.examples("search"));
        }
        assertThrows(UserError.class, () -> slice.suite().requireSlice("heldout"));
        SearchSlice.Stages st = slice.stages(0.5);
        for (Suite s : List.of(st.head(), st.tail())) {
            s.tasks().forEach(t -> assertEquals(Set.of("search"), t.slices().keySet()));
        }
    }

    @Test
    void aSearchRunScoresSearchPromptsOnly() {
        Suite full = Suite.load(GenSuite.write(dir, List.of("t1", "t2"), 6, 5));
        SearchSlice slice = SearchSlice.of(full);
        List<String> prompts = Collections.synchronizedList(new ArrayList<>());
        CandidateEvaluator.Factory factory = (w, n) -> new CandidateEvaluator() {
            @Override
            public Evaluation evaluate(Candidate c, double pruneBelow) {
                FakeModel m = GenSuite.model(q -> true);
                var r = new SuiteRunner(4, Progress.Factory.NONE).evaluate(m, "x", slice.suite(), SearchSlice.SLICE, 0);
                prompts.addAll(m.prompts);
                var scores = Staging.scores(r);
                return new Evaluation(CandidateStatus.EVALUATED, scores, new Objective(Map.of("t1", 1.0), false).scalar(scores), null,
                        0, 0);
            }

            @Override
            public void close() {
            }
        };
        new SearchLoop(new Doubles.LinearSpace(List.of("a")), new Doubles.SeededStrategy(1, 3, 2, 1), factory,
                new SearchLoop.Settings(6, 2, 1), null).start(dir.resolve("run"),
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        assertEquals(6 * 12, prompts.size());
        assertTrue(prompts.stream().allMatch(p -> GenSuite.question(p).startsWith("s-")), prompts.toString());
    }

    /** No class of the loop keeps a full suite, a task or a gate file: only {@link SearchSlice} views. */
    @Test
    void theLoopsClassesHaveNoPathToTheFullSuite() {
        Set<Class<?>> forbidden = Set.of(Suite.class, Task.class, GateFile.class);
        for (Class<?> c : List.of(SearchLoop.class, RuntimeEvaluator.class, CandidateMerger.class,
                TensorCache.class)) {
            for (Field f : c.getDeclaredFields()) {
                assertFalse(forbidden.contains(f.getType()), c.getSimpleName() + "." + f.getName() + " is a "
                        + f.getType().getSimpleName());
            }
        }
        for (RecordComponent rc : RuntimeEvaluator.Shared.class.getRecordComponents()) {
            assertFalse(forbidden.contains(rc.getType()), "Shared." + rc.getName());
        }
    }
}
