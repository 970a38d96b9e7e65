package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The union vocabulary's permuted embeddings are read row block by row block from the sources, never held whole:
 * two models (a BF16 base and an F32 model whose token ids are swapped in pairs, plus a token only the model has)
 * merged on a union with a forced token, a zero token and padding.
 */
class VocabularyStreamTest {
    private static final String RECIPE = """
            merge_method: linear
            base_model: base
            models:
              - model: base
                parameters: {weight: 0.5}
              - model: x
                parameters: {weight: 0.5}
            tokenizer:
              source: union
              tokens:
                t5: {source: x, force: true}
                new: {source: {kind: zero}}
              pad_to_multiple_of: 64
            dtype: bfloat16
            """;

    @TempDir
    static Path dir;

    /** The bytes the whole-tensor permutation gave (SHA-256 recorded from it before the rows streamed). */
    @Test
    void permutedEmbeddingsKeepTheirBytes() throws IOException {
        Path d = dir.resolve("small");
        write(d, "base", DType.BF16, 8000, 256, false, 3);
        write(d, "x", DType.F32, 8000, 256, true, 4);
        try (Merged m = new Merged(d, 2)) {
            assertEquals(8064, m.out.info("model.embed_tokens.weight").dim(0));
            assertEquals("2ade921871a8c4c8ea2fca35272d61665c90d65eda84cd0f84c08fde5a3bc076",
                    sha(m.out, "model.embed_tokens.weight"));
            assertEquals("5a82976ea02e60d8fe9597801d62cf000f84ef90d4ea85ead6da064ff0d680f1",
                    sha(m.out, "lm_head.weight"));
        }
    }

    /**
     * A forked JVM with {@code -Xmx32m} merges embeddings of 16384 x 1024 (32 MiB each in BF16, 64 MiB in F32): one
     * permuted embedding held whole would not fit. Scalar kernels (the Vector API's first calls are slow to compile).
     */
    @Test
    void permutedEmbeddingsMergeWithinAHeapSmallerThanOne() throws IOException, InterruptedException {
        Path d = dir.resolve("large");
        write(d, "base", DType.BF16, 16384, 1024, false, 5);
        write(d, "x", DType.F32, 16384, 1024, true, 6);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-Xmx") && !arg.startsWith("-javaagent") && !arg.startsWith("-XX:StartFlight")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-Xmx32m", "-Devomerge.simd=false", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                d.toString()));
        Path log = d.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the merge finishes within 5 minutes");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("merged 16448 rows"), out);
        } finally {
            child.destroyForcibly();
        }
    }

    /** The forked merge: prints the merged embedding's rows. */
    public static final class Child {
        public static void main(String[] args) {
            try (Merged m = new Merged(Path.of(args[0]), Runtime.getRuntime().availableProcessors())) {
                System.out.println("merged " + m.out.info("model.embed_tokens.weight").dim(0) + " rows");
            }
        }
    }

    /** {@link #RECIPE} over the models in {@code dir}, merged into memory. */
    private static final class Merged implements AutoCloseable {
        final Sources sources;
        final MergeEngine engine;
        final InMemoryTensors out;

        Merged(Path dir, int threads) {
            LoadedRecipe loaded = LoadedRecipe.fromText(RECIPE, "union.yaml");
            loaded = new LoadedRecipe(loaded.recipe(), loaded.sourceName(), dir);
            sources = Sources.open(loaded);
            engine = new MergeEngine(threads);
            out = engine.materialize(MergePlanner.plan(loaded, sources), MergeEngine.Progress.NONE);
        }

        @Override
        public void close() {
            out.close();
            engine.close();
            sources.close();
        }
    }

    private static String sha(InMemoryTensors out, String name) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(out.bytes(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A model of tokens "t0".."t{tokens-1}" (ids swapped in pairs when {@code swapped}, then "xonly"). */
    private static void write(Path dir, String name, DType dtype, int tokens, int hidden, boolean swapped, long seed)
            throws IOException {
        int rows = tokens + (swapped ? 1 : 0);
        var dims = new SyntheticCheckpoints.Dims(rows, hidden, 24, 1, 4, 2, false, false);
        SyntheticCheckpoints.Model.base(dims, dtype, seed).write(dir.resolve(name), Long.MAX_VALUE, 2);
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            v.append(i == 0 ? "" : ", ").append("\"t").append(i).append("\": ").append(swapped ? i ^ 1 : i);
        }
        if (swapped) {
            v.append(", \"xonly\": ").append(tokens);
        }
        Files.writeString(dir.resolve(name).resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": [],"
                + " \"model\": {\"type\": \"BPE\", \"vocab\": {" + v + "}, \"merges\": []}}");
    }
}
