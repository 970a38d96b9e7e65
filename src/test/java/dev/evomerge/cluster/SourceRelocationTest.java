package dev.evomerge.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.bench.ClusterBenchmark;
import dev.evomerge.eval.Suite;
import dev.evomerge.search.CandidateEvaluator;
import dev.evomerge.search.EvaluationBackend;
import dev.evomerge.search.Genome;
import dev.evomerge.search.LocalBackend;
import dev.evomerge.search.RunContext;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose machine lacks the coordinator's model paths finds each source by content hash under its
 * {@code --models} roots, where the copies live under other names, and scores candidates exactly as the coordinator
 * would with its own files.
 */
class SourceRelocationTest {
    private static final int CANDIDATES = 4;

    @TempDir
    static Path dir;

    private static Path space;
    private static RunContext coordinators;
    private static List<Genome> genomes;
    private static List<CandidateEvaluator.Evaluation> local;

    @BeforeAll
    static void setUp() throws IOException {
        space = TinyRun.write(dir);
        try (RunSetup wiring = RunSetup.local(SearchSpaces.load(space), Suite.load(TinyRun.SUITE), space,
                null, 0.5, 64, 1, 1)) {
            coordinators = wiring.context(space, TinyRun.SUITE);
            genomes = new ArrayList<>();
            int d = wiring.space().dimension();
            for (int i = 0; i < CANDIDATES; i++) {
                double[] g = new double[d];
                for (int j = 0; j < d; j++) {
                    g[j] = ((i * 7 + j * 3) % 10 + 0.5) / 10;
                }
                genomes.add(new Genome(g));
            }
            try (LocalBackend backend = new LocalBackend(wiring.space(), wiring.factory(), 1)) {
                local = evaluate(backend);
            }
        }
    }

    private static List<CandidateEvaluator.Evaluation> evaluate(EvaluationBackend backend) {
        CandidateEvaluator.Evaluation[] out = new CandidateEvaluator.Evaluation[CANDIDATES];
        backend.evaluate(new EvaluationBackend.Batch(0, genomes, Double.NEGATIVE_INFINITY), (i, o) -> out[i] = o);
        for (CandidateEvaluator.Evaluation o : out) {
            assertTrue(o != null, "every candidate reported");
        }
        return List.of(out);
    }

    /** What must not depend on where the checkpoints lie (timings may). */
    private static List<String> scores(List<CandidateEvaluator.Evaluation> outcomes) {
        return outcomes.stream().map(o -> o.status() + " " + new TreeMap<>(o.scores()) + " "
                + Double.doubleToLongBits(o.fitness()) + " " + o.reason()).toList();
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code coordinators} as seen from a coordinator whose space file lies in {@code spaceDir}, with this YAML. */
    private static RunContext movedTo(Path spaceDir, String yaml, List<Path> sourcePaths) {
        List<RunContext.Source> sources = new ArrayList<>();
        for (int i = 0; i < coordinators.sources().size(); i++) {
            RunContext.Source s = coordinators.sources().get(i);
            sources.add(new RunContext.Source(s.name(), sourcePaths.get(i).toString(), s.contentHash()));
        }
        return new RunContext(spaceDir.resolve("space.yaml").toString(), yaml, coordinators.suiteFile(),
                coordinators.suiteSha256(), sources, coordinators.stageFraction(), coordinators.tensorCacheMb(),
                coordinators.maxL2(), coordinators.maxL2Relative(), coordinators.batchSize());
    }

    private static List<CandidateEvaluator.Evaluation> onWorker(List<Path> models, RunContext context) {
        String cluster = "evomerge-relocate-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (Worker worker = Worker.start(new Worker.Options(cluster, "127.0.0.1", ClusterBenchmark.freePort(),
                List.of(), models, List.of(), 1, null));
             ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(List.of(worker.address()),
                     cluster, Duration.ofSeconds(20)), null)) {
            return evaluate(backend.forRun(context));
        }
    }

    @Test
    void sourcesMissingOrDifferentAtTheCoordinatorsPathsAreFoundByContentHash() {
        // The worker's copies, under names unrelated to the coordinator's, one level down in one of two roots.
        Path rootA = dir.resolve("worker-models-1");
        Path rootB = dir.resolve("worker-models-2");
        copyTree(dir.resolve("models/base"), rootA.resolve("llama-tiny-base"));
        copyTree(dir.resolve("models/a"), rootB.resolve("team/math-ft"));
        copyTree(dir.resolve("models/b"), rootB.resolve("team/code-ft"));
        // The coordinator's space lies in a directory this machine lacks; its source 'b' is at a path that exists
        // here but holds other weights (a's).
        Path gone = dir.resolve("coordinator-only");
        assertFalse(Files.exists(gone));
        String yaml = coordinators.spaceYaml().replace("b: models/b", "b: ../models/a");
        assertFalse(yaml.equals(coordinators.spaceYaml()), "the space names b's path");
        RunContext moved = movedTo(gone, yaml, List.of(gone.resolve("models/base"), gone.resolve("models/a"),
                dir.resolve("models/a")));

        List<CandidateEvaluator.Evaluation> remote = onWorker(List.of(rootA, rootB), moved);

        assertEquals(scores(local), scores(remote));
        assertTrue(local.stream().anyMatch(o -> !o.scores().isEmpty()), "candidates were scored");
    }

    @Test
    void aCheckpointReplacedUnderTheRootsBetweenRunsIsNotUsedForItsOldHash() throws IOException {
        Path root = dir.resolve("changing-models");
        copyTree(dir.resolve("models/base"), root.resolve("base"));
        copyTree(dir.resolve("models/a"), root.resolve("current"));
        copyTree(dir.resolve("models/b"), root.resolve("b"));
        String cluster = "evomerge-relocate-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (Worker worker = Worker.start(new Worker.Options(cluster, "127.0.0.1", ClusterBenchmark.freePort(),
                List.of(), List.of(root), List.of(), 1, null));
             ClusterBackend backend = ClusterBackend.connect(new ClusterBackend.Settings(List.of(worker.address()),
                     cluster, Duration.ofSeconds(20)), null)) {
            Path gone1 = dir.resolve("run-1");
            assertEquals(scores(local), scores(evaluate(backend.forRun(movedTo(gone1, coordinators.spaceYaml(),
                    List.of(gone1.resolve("models/base"), gone1.resolve("models/a"), gone1.resolve("models/b")))))));
            // Between runs, 'current' is replaced by another model (a re-download, a newer fine-tune); a's weights
            // now live in 'previous'.
            try (Stream<Path> files = Files.walk(root.resolve("current"))) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            copyTree(dir.resolve("models/b"), root.resolve("current"));
            copyTree(dir.resolve("models/a"), root.resolve("previous"));
            Path gone2 = dir.resolve("run-2");
            assertEquals(scores(local), scores(evaluate(backend.forRun(movedTo(gone2, coordinators.spaceYaml(),
                    List.of(gone2.resolve("models/base"), gone2.resolve("models/a"), gone2.resolve("models/b")))))));
        }
    }

    @Test
    void aModelsRootThatIsASymlinkIsSearched() throws IOException {
        // --models /data/models where /data/models links to the disk that holds them, a common layout.
        Path disk = dir.resolve("nvme/models");
        copyTree(dir.resolve("models/base"), disk.resolve("base-copy"));
        copyTree(dir.resolve("models/a"), disk.resolve("a-copy"));
        copyTree(dir.resolve("models/b"), disk.resolve("deeper/b-copy"));
        Path link = Files.createSymbolicLink(dir.resolve("linked-models"), disk);
        Files.createSymbolicLink(disk.resolve("deeper/loop"), disk); // followed links may loop: skipped, not fatal
        Files.createSymbolicLink(disk.resolve("dangling"), dir.resolve("unmounted"));
        Path gone = dir.resolve("coordinator-only-2");
        RunContext moved = movedTo(gone, coordinators.spaceYaml(), List.of(gone.resolve("models/base"),
                gone.resolve("models/a"), gone.resolve("models/b")));

        assertEquals(scores(local), scores(onWorker(List.of(link), moved)));
    }
}
