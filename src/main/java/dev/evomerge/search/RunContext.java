package dev.evomerge.search;

import dev.evomerge.io.Sha256;
import dev.evomerge.UserError;
import dev.evomerge.search.space.Objective;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a process other than the coordinator needs to build a run's candidate evaluators exactly as the coordinator
 * would: the search space's text (decoded on the worker, so its recipes are bit-identical), the suite by path and
 * hash, the source checkpoints by path and content hash (never their weights), and the options that change scores.
 * A few KB; {@link #key()} names it, so workers keep one set of mapped sources and models per run.
 *
 * @param spaceFile     the coordinator's search space file (relative model paths resolve against its directory)
 * @param spaceYaml     its text
 * @param suiteFile     the suite, which every worker must be able to read at this path
 * @param suiteSha256   SHA-256 of the suite file, so a worker with a different suite refuses to score
 * @param sources       every model the space names (base first)
 * @param stageFraction fraction of the search slice scored before a pruning decision
 * @param tensorCacheMb merged-tensor cache per worker process
 * @param maxL2         the L2 ceiling from the options or the gates, or null
 * @param batchSize     examples per evaluator request chunk
 * @param retention     the objective's normalization constants from the coordinator's source scores, or null (raw)
 */
public record RunContext(String spaceFile, String spaceYaml, String suiteFile, String suiteSha256,
                         List<Source> sources, double stageFraction, long tensorCacheMb, Double maxL2,
                         boolean maxL2Relative, int batchSize, Objective.Retention retention) implements Serializable {

    /** A context whose objective is raw. */
    public RunContext(String spaceFile, String spaceYaml, String suiteFile, String suiteSha256, List<Source> sources,
                      double stageFraction, long tensorCacheMb, Double maxL2, boolean maxL2Relative, int batchSize) {
        this(spaceFile, spaceYaml, suiteFile, suiteSha256, sources, stageFraction, tensorCacheMb, maxL2, maxL2Relative,
                batchSize, null);
    }

    /** A source checkpoint: its name in the space, the coordinator's path, and {@code Checkpoint#contentHash}. */
    public record Source(String name, String path, String contentHash) implements Serializable {
        public Source {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(contentHash, "contentHash");
        }
    }

    public RunContext {
        Objects.requireNonNull(spaceFile, "spaceFile");
        Objects.requireNonNull(spaceYaml, "spaceYaml");
        Objects.requireNonNull(suiteFile, "suiteFile");
        Objects.requireNonNull(suiteSha256, "suiteSha256");
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one source model");
        }
        if (!(stageFraction > 0 && stageFraction <= 1)) {
            throw new IllegalArgumentException("stage fraction must be in (0, 1], but was " + stageFraction);
        }
    }

    /** SHA-256 of everything above: equal keys build equal evaluators. */
    public String key() {
        StringBuilder sb = new StringBuilder();
        sb.append(spaceFile).append('\n').append(spaceYaml).append('\n').append(suiteFile).append('\n')
                .append(suiteSha256).append('\n');
        sources.forEach(s -> sb.append(s.name()).append('\t').append(s.path()).append('\t').append(s.contentHash())
                .append('\n'));
        sb.append(stageFraction).append('\n').append(tensorCacheMb).append('\n').append(maxL2).append('\n')
                .append(maxL2Relative).append('\n').append(batchSize).append('\n').append(retention);
        return Sha256.of(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The ceiling, or null. */
    CandidateMerger.L2Ceiling ceiling() {
        return maxL2 == null ? null : new CandidateMerger.L2Ceiling(maxL2, maxL2Relative);
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
