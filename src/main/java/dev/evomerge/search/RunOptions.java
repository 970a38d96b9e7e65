package dev.evomerge.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a run is configured by, validated on construction and named field by field; stored in the journal
 * header (as JSON, field names in snake case) so a resumed run rebuilds the same run. Start from
 * {@link #defaults(Path, Path)} and change fields with the {@code with…} methods, as {@code StrategyConfig} does.
 * Errors name the field, never a command-line flag: the CLI maps its flags onto these fields.
 *
 * @param space          search space file
 * @param suite          evaluation suite (scored on its search slice)
 * @param gates          release gates for the finish, or null for none
 * @param strategy       strategy name, as {@code Strategies} knows it
 * @param budget         most candidates to evaluate, at least 1
 * @param workers        parallel evaluators, at least 1
 * @param seed           the strategy's seed
 * @param population     batch size; 0 for the strategy's default
 * @param sigma          CMA-ES initial step size in gene units; 0 for the strategy's default
 * @param topK           candidates exported and gated at the end, at least 1; pruning compares with the k-th best
 * @param stageFraction  fraction of the search slice scored before a pruning decision, in (0, 1]; 1 disables staging
 * @param maxL2          L2 ceiling from the base checked before inference, or null for none (or the gates' own)
 * @param maxL2Relative  {@code maxL2} is relative to ||base||
 * @param tensorCacheMb  merged tensors kept for reuse across candidates, in MB; 0 turns the cache off
 * @param gridSteps      grid: points per continuous parameter without explicit values
 * @param grid           sweep axes by parameter name, in parameter units (empty: a search, or the space's own values)
 * @param threads        CPU threads in all, split among the workers; 0 for every processor
 * @param timeLimitSeconds wall-clock budget of one search process in seconds: no new generation is asked for once it
 *                       has passed (the finish still runs, and a resume gets the time again); 0 for none
 * @param startFrom      a recipe whose values replace the space's start point, or null for the space's own
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunOptions(Path space, Path suite, Path gates, String strategy, int budget, int workers, long seed,
                         int population, double sigma, int topK, double stageFraction,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Double maxL2, boolean maxL2Relative,
                         long tensorCacheMb, int gridSteps, Map<String, List<Double>> grid, int threads,
                         long timeLimitSeconds, @JsonInclude(JsonInclude.Include.NON_NULL) Path startFrom) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new SimpleModule().addSerializer(Path.class, new PathSerializer())
                    .addDeserializer(Path.class, new PathDeserializer()))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public RunOptions {
        Objects.requireNonNull(space, "space");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(strategy, "strategy");
        Map<String, List<Double>> g = new LinkedHashMap<>();
        (grid == null ? Map.<String, List<Double>>of() : grid).forEach((k, v) -> g.put(k, List.copyOf(v)));
        grid = g;
        atLeast("budget", budget, 1);
        atLeast("workers", workers, 1);
        atLeast("population", population, 0);
        atLeast("topK", topK, 1);
        atLeast("tensorCacheMb", tensorCacheMb, 0);
        atLeast("gridSteps", gridSteps, 0);
        atLeast("threads", threads, 0);
        atLeast("timeLimitSeconds", timeLimitSeconds, 0);
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new UserError("sigma must be finite and at least 0, but was " + sigma);
        }
        if (!(stageFraction > 0 && stageFraction <= 1)) {
            throw new UserError("stageFraction must be in (0, 1], but was " + stageFraction);
        }
        if (maxL2 != null && (!(maxL2 >= 0) || maxL2.isInfinite())) {
            throw new UserError("maxL2 must be finite and at least 0, but was " + maxL2);
        }
    }

    /**
     * The CLI's defaults: random strategy, budget 64, one worker, seed 1, strategy-chosen population and sigma, top 3,
     * stage 0.25, no L2 ceiling, a 1024 MB tensor cache, 5 grid steps, every processor.
     */
    public static RunOptions defaults(Path space, Path suite) {
        return new RunOptions(space, suite, null, "random", 64, 1, 1, 0, 0, 3, 0.25, null, false, 1024, 5, Map.of(),
                0, 0, null);
    }

    private static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new UserError(field + " must be at least " + min + ", but was " + value);
        }
    }

    public RunOptions withSpace(Path v) {
        return new RunOptions(v, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withSuite(Path v) {
        return new RunOptions(space, v, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withGates(Path v) {
        return new RunOptions(space, suite, v, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withStrategy(String v) {
        return new RunOptions(space, suite, gates, v, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withBudget(int v) {
        return new RunOptions(space, suite, gates, strategy, v, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withWorkers(int v) {
        return new RunOptions(space, suite, gates, strategy, budget, v, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withSeed(long v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, v, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withPopulation(int v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, v, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withSigma(double v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, v, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withTopK(int v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, v,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withStageFraction(double v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK, v,
                maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    /** The L2 ceiling ({@code null}: none) and whether it is relative to ||base||. */
    public RunOptions withMaxL2(Double v, boolean relative) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, v, relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    public RunOptions withTensorCacheMb(long v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, v, gridSteps, grid, threads, timeLimitSeconds,
                startFrom);
    }

    /** Grid points per continuous parameter, and explicit axes by parameter name. */
    public RunOptions withGrid(int steps, Map<String, List<Double>> axes) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, steps, axes, threads, timeLimitSeconds, startFrom);
    }

    public RunOptions withThreads(int v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, v, timeLimitSeconds, startFrom);
    }

    public RunOptions withTimeLimitSeconds(long v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, v, startFrom);
    }

    public RunOptions withStartFrom(Path v) {
        return new RunOptions(space, suite, gates, strategy, budget, workers, seed, population, sigma, topK,
                stageFraction, maxL2, maxL2Relative, tensorCacheMb, gridSteps, grid, threads, timeLimitSeconds, v);
    }

    /** The journal header's form: snake-case fields, paths absolute and normalized. */
    ObjectNode toJson() {
        return JSON.valueToTree(this);
    }

    /** Reads {@link #toJson()}'s form back; a field missing from an older journal takes its zero value. */
    static RunOptions fromJson(JsonNode o) {
        try {
            return JSON.treeToValue(o, RunOptions.class);
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof UserError u) {
                throw u;
            }
            throw new UserError("the journal's run options are unreadable: " + e.getOriginalMessage(), e);
        }
    }

    private static final class PathSerializer extends JsonSerializer<Path> {
        @Override
        public void serialize(Path p, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(p.toAbsolutePath().normalize().toString());
        }
    }

    private static final class PathDeserializer extends JsonDeserializer<Path> {
        @Override
        public Path deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return Path.of(p.getValueAsString());
        }
    }
}
