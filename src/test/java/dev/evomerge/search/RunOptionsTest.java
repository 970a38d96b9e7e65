package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunOptionsTest {
    private static final RunOptions BASE = RunOptions.defaults(Path.of("space.yaml"), Path.of("suite.yaml"));

    @Test
    void journalFormRoundTripsWithSnakeCaseFieldsAndAbsolutePaths() {
        RunOptions o = BASE.withGates(Path.of("g/../gates.yaml")).withStrategy("cmaes").withBudget(9).withWorkers(2)
                .withSeed(7).withPopulation(4).withSigma(0.3).withTopK(2).withStageFraction(0.5)
                .withMaxL2(0.25, true).withTensorCacheMb(16).withGrid(3, Map.of("lambda", List.of(0.5, 1.0)))
                .withThreads(4).withTimeLimitSeconds(1800).withStartFrom(Path.of("r/../start.yaml"));
        ObjectNode json = o.toJson();
        assertEquals(List.of("space", "suite", "gates", "strategy", "budget", "workers", "seed", "population", "sigma",
                "top_k", "stage_fraction", "max_l2", "max_l2_relative", "tensor_cache_mb", "grid_steps", "grid",
                "threads", "time_limit_seconds", "start_from"), iterable(json));
        assertEquals(Path.of("gates.yaml").toAbsolutePath().toString(), json.get("gates").asText());
        assertEquals("[0.5,1.0]", json.get("grid").get("lambda").toString());
        RunOptions back = RunOptions.fromJson(json);
        assertEquals(o.withSpace(BASE.space().toAbsolutePath()).withSuite(BASE.suite().toAbsolutePath())
                .withGates(Path.of("gates.yaml").toAbsolutePath())
                .withStartFrom(Path.of("start.yaml").toAbsolutePath()), back);
    }

    @Test
    void noCeilingLeavesMaxL2OutAndAnOlderJournalWithoutThreadsReadsAsZero() {
        ObjectNode json = BASE.toJson();
        assertFalse(json.has("max_l2"));
        assertFalse(json.has("start_from"), "no start-from recipe: the space's start point");
        assertEquals("null", json.get("gates").toString());
        json.remove("threads");
        assertEquals(0, RunOptions.fromJson(json).threads());
    }

    @Test
    void errorsNameTheFieldNotAFlag() {
        assertEquals("budget must be at least 1, but was 0",
                assertThrows(UserError.class, () -> BASE.withBudget(0)).getMessage());
        assertEquals("stageFraction must be in (0, 1], but was 1.5",
                assertThrows(UserError.class, () -> BASE.withStageFraction(1.5)).getMessage());
        ObjectNode json = BASE.toJson();
        json.put("workers", 0);
        assertEquals("workers must be at least 1, but was 0",
                assertThrows(UserError.class, () -> RunOptions.fromJson(json)).getMessage());
    }

    private static List<String> iterable(ObjectNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
