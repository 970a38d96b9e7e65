package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.checkpoint.TensorNames;
import dev.evomerge.cli.Main;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.RecipeParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code evomerge merge} end to end on generated checkpoints: each merged tensor is compared with the method's
 * formula evaluated here in double precision, independently of the engine and the method kernels.
 */
class MergeCommandTest {
    private static final SyntheticCheckpoints.Dims DIMS = new SyntheticCheckpoints.Dims(40, 16, 24, 4, 4, 2, false, false);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            String suffix = dtype == DType.F32 ? "" : "-bf16";
            SyntheticCheckpoints.Model base = SyntheticCheckpoints.Model.base(DIMS, dtype, 11);
            base.write(dir.resolve("base" + suffix), Long.MAX_VALUE, 1);
            base.fineTune(1, 0.5).write(dir.resolve("a" + suffix), Long.MAX_VALUE, 1);
            base.fineTune(2, 0.5).write(dir.resolve("b" + suffix), Long.MAX_VALUE, 1);
        }
        Files.writeString(dir.resolve("base/tokenizer.json"), "{\"fake\": true}");
    }

    record Run(int exit, String out, String err) {
    }

    static Run merge(String recipeYaml, String outName, String... extra) throws IOException {
        Path recipe = dir.resolve(outName + ".yaml");
        Files.writeString(recipe, recipeYaml);
        String[] args = new String[3 + extra.length];
        args[0] = "merge";
        args[1] = recipe.toString();
        args[2] = dir.resolve(outName).toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** {@code evomerge merge RECIPE OUT} through Main. */
    static Run mergeIn(Path workDir, Path recipe, Path out, String... extra) {
        String[] args = new String[3 + extra.length];
        args[0] = "merge";
        args[1] = recipe.toString();
        args[2] = out.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        return new Run(code, o.toString(), e.toString());
    }

    static Run ok(String yaml, String outName, String... extra) throws IOException {
        Run r = merge(yaml, outName, extra);
        assertEquals(0, r.exit(), r.err());
        return r;
    }

    /** Every tensor of {@code outName} equals {@code f(base, a, b)} element-wise (abs + rel tolerance). */
    static void assertEachElement(String outName, String suffix, double tol, Formula f) {
        try (Checkpoint out = Checkpoint.open(dir.resolve(outName));
             Checkpoint base = Checkpoint.open(dir.resolve("base" + suffix));
             Checkpoint a = Checkpoint.open(dir.resolve("a" + suffix));
             Checkpoint b = Checkpoint.open(dir.resolve("b" + suffix))) {
            assertEquals(base.names().size(), out.names().size());
            for (String name : base.names()) {
                float[] m = out.readFloats(name);
                float[] x0 = base.readFloats(name);
                float[] x1 = a.readFloats(name);
                float[] x2 = b.readFloats(name);
                for (int i = 0; i < m.length; i++) {
                    double want = f.at(x0[i], x1[i], x2[i]);
                    double tolerance = tol * (1 + Math.abs(want));
                    if (Math.abs(m[i] - want) > tolerance) {
                        throw new AssertionError(outName + " " + name + "[" + i + "] = " + m[i] + ", expected " + want);
                    }
                }
            }
        }
    }

    @FunctionalInterface
    interface Formula {
        double at(double base, double a, double b);
    }

    @Test
    void linearIsTheNormalizedWeightedSum() throws IOException {
        ok("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.3}
                  - model: b
                    parameters: {weight: 0.9}
                """, "linear");
        assertEachElement("linear", "", 1e-6, (x0, x1, x2) -> (0.3 * x1 + 0.9 * x2) / 1.2);
    }

    @Test
    void taskArithmeticAddsLambdaTimesWeightedTaskVectors() throws IOException {
        ok("""
                merge_method: task_arithmetic
                base_model: base
                parameters: {lambda: 0.8}
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: b
                    parameters: {weight: 1.5}
                """, "ta");
        assertEachElement("ta", "", 1e-6, (x0, x1, x2) -> x0 + 0.8 * (0.5 * (x1 - x0) + 1.5 * (x2 - x0)));
    }

    /** TIES at density 1 (Yadav et al. 2023, eq. for elect + disjoint mean): keep deltas agreeing with the elected sign. */
    @Test
    void tiesAtFullDensityElectsSignsAndAveragesAgreeingDeltas() throws IOException {
        ok("""
                merge_method: ties
                base_model: base
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 1.0}
                  - model: b
                    parameters: {weight: 0.5, density: 1.0}
                """, "ties");
        assertEachElement("ties", "", 1e-5, (x0, x1, x2) -> {
            double d1 = 1.0 * (float) (x1 - x0);
            double d2 = 0.5 * (float) (x2 - x0);
            double sign = d1 + d2 >= 0 ? 1 : -1;
            double num = 0;
            double den = 0;
            if (Math.signum(d1) == sign) {
                num += d1;
                den += 1.0;
            }
            if (Math.signum(d2) == sign) {
                num += d2;
                den += 0.5;
            }
            return x0 + num / (den == 0 ? 1 : den);
        });
    }

    @Test
    void tiesWithCountConsensusElectsTheSignMostDeltasHave() throws IOException {
        ok("""
                merge_method: ties
                base_model: base
                parameters: {consensus_method: count}
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 1.0}
                  - model: b
                    parameters: {weight: 0.5, density: 1.0}
                """, "ties-count");
        assertEachElement("ties-count", "", 1e-5, (x0, x1, x2) -> {
            double d1 = 1.0 * (float) (x1 - x0);
            double d2 = 0.5 * (float) (x2 - x0);
            double sign = Math.signum(d1) + Math.signum(d2) >= 0 ? 1 : -1; // a tie (one each way) is positive
            double num = 0;
            double den = 0;
            if (Math.signum(d1) == sign) {
                num += d1;
                den += 1.0;
            }
            if (Math.signum(d2) == sign) {
                num += d2;
                den += 0.5;
            }
            return x0 + num / (den == 0 ? 1 : den);
        });
    }

    @Test
    void unknownConsensusWordAndTextForANumberAreOneLine() throws IOException {
        assertUserError("merge_method: ties\nbase_model: base\nparameters: {consensus_method: majority}\nmodels:\n"
                + "  - model: a\n    parameters: {weight: 1}\n", "e-consensus",
                "'consensus_method' of merge method ties on tensor");
        assertUserError("merge_method: ties\nbase_model: base\nparameters: {consensus_method: majority}\nmodels:\n"
                + "  - model: a\n    parameters: {weight: 1}\n", "e-consensus", "must be one of sum, count, but was"
                + " 'majority'");
        assertUserError("merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: heavy}\n",
                "e-text", "'weight' of merge method ties on tensor");
    }

    @Test
    void dareAtDensityOneIsDeterministicAndEqualsTies() throws IOException {
        String body = """
                base_model: base
                parameters: {normalize: true}
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 1.0}
                  - model: b
                    parameters: {weight: 0.5, density: 1.0}
                """;
        ok("merge_method: ties\n" + body, "ties-d1");
        ok("merge_method: dare_ties\n" + body, "dare-d1");
        assertSameTensors("ties-d1", "dare-d1");
    }

    @Test
    void slerpFollowsTheGreatCircleWithAGradientOverLayers() throws IOException {
        ok("""
                merge_method: slerp
                base_model: base
                parameters:
                  t: [0.0, 1.0]
                models:
                  - model: base
                  - model: a
                """, "slerp");
        try (Checkpoint out = Checkpoint.open(dir.resolve("slerp"));
             Checkpoint base = Checkpoint.open(dir.resolve("base"));
             Checkpoint a = Checkpoint.open(dir.resolve("a"))) {
            for (String name : base.names()) {
                int layer = TensorNames.classify(name).layer();
                double t = layer < 0 ? 0 : layer / (double) (DIMS.layers() - 1);
                float[] want = slerp(t, base.readFloats(name), a.readFloats(name));
                float[] got = out.readFloats(name);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), name + "[" + i + "] at t=" + t);
                }
            }
        }
    }

    /** Shoemake's slerp on the flattened tensors, with mergekit's linear fallback for nearly parallel inputs. */
    private static float[] slerp(double t, float[] v0, float[] v1) {
        double n0 = 0;
        double n1 = 0;
        double dot = 0;
        for (int i = 0; i < v0.length; i++) {
            n0 += (double) v0[i] * v0[i];
            n1 += (double) v1[i] * v1[i];
            dot += (double) v0[i] * v1[i];
        }
        dot /= Math.sqrt(n0) * Math.sqrt(n1);
        float[] r = new float[v0.length];
        if (Math.abs(dot) > 0.9995) {
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) ((1 - t) * v0[i] + t * v1[i]);
            }
            return r;
        }
        double theta0 = Math.acos(dot);
        double s0 = Math.sin(theta0 - t * theta0) / Math.sin(theta0);
        double s1 = Math.sin(t * theta0) / Math.sin(theta0);
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (s0 * v0[i] + s1 * v1[i]);
        }
        return r;
    }

    @Test
    void passthroughStacksLayerRangesIntoAFrankenmerge() throws IOException {
        ok("""
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 3]}]
                  - sources: [{model: b, layer_range: [1, 4]}]
                """, "franken");
        try (Checkpoint out = Checkpoint.open(dir.resolve("franken"));
             Checkpoint a = Checkpoint.open(dir.resolve("a"));
             Checkpoint b = Checkpoint.open(dir.resolve("b"))) {
            assertEquals(6, out.numHiddenLayers());
            assertEquals(6, out.config().get("num_hidden_layers").asInt());
            for (String name : out.names()) {
                int layer = TensorNames.classify(name).layer();
                String src;
                Checkpoint from;
                if (layer < 0) {
                    from = TensorNames.classify(name).group() == TensorNames.Group.EMBEDDING ? a : b;
                    src = name;
                } else if (layer < 3) {
                    from = a;
                    src = name;
                } else {
                    from = b;
                    src = TensorNames.withLayer(name, layer - 2);
                }
                assertArrayEquals(from.readFloats(src), out.readFloats(name), name);
            }
        }
    }

    @Test
    void bf16SourcesGiveBf16OutputRoundedFromTheFloat32Formula() throws IOException {
        ok("""
                merge_method: task_arithmetic
                base_model: base-bf16
                models:
                  - model: a-bf16
                    parameters: {weight: 0.5}
                  - model: b-bf16
                    parameters: {weight: 0.5}
                """, "ta-bf16");
        try (Checkpoint out = Checkpoint.open(dir.resolve("ta-bf16"))) {
            out.names().forEach(n -> assertEquals(DType.BF16, out.info(n).dtype(), n));
            assertEquals("bfloat16", out.config().get("torch_dtype").asText());
        }
        // The result is the float32 formula rounded once to bf16: within half a bf16 ulp (2^-8 relative).
        assertEachElement("ta-bf16", "-bf16", 1.0 / 256,
                (x0, x1, x2) -> FloatCodec.bf16ToFloat(FloatCodec.floatToBf16((float) (x0 + 0.5 * (x1 - x0) + 0.5 * (x2 - x0)))));
    }

    @Test
    void outDtypeConvertsTheOutput() throws IOException {
        ok("""
                merge_method: linear
                out_dtype: bfloat16
                models:
                  - model: a
                    parameters: {weight: 1.0}
                """, "to-bf16");
        try (Checkpoint out = Checkpoint.open(dir.resolve("to-bf16")); Checkpoint a = Checkpoint.open(dir.resolve("a"))) {
            for (String n : a.names()) {
                float[] src = a.readFloats(n);
                float[] got = out.readFloats(n);
                for (int i = 0; i < src.length; i++) {
                    assertEquals(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(src[i])), got[i], 0.0, n);
                }
            }
        }
    }

    @Test
    void dareIsBitIdenticalAcrossThreadCountsAndChangesWithTheSeed() throws IOException {
        String recipe = """
                merge_method: dare_ties
                base_model: base
                seed: %d
                models:
                  - model: a
                    parameters: {weight: 1.0, density: 0.4}
                  - model: b
                    parameters: {weight: 1.0, density: 0.6}
                """;
        ok(recipe.formatted(7), "dare-t1", "--threads", "1", "--out-shard-size", "3000");
        ok(recipe.formatted(7), "dare-t2", "--threads", "2", "--out-shard-size", "3000");
        ok(recipe.formatted(8), "dare-s8", "--threads", "2", "--out-shard-size", "3000");
        assertTrue(Files.exists(dir.resolve("dare-t1/model.safetensors.index.json")), "sharded output");
        for (String f : list(dir.resolve("dare-t1"))) {
            if (f.endsWith(".safetensors")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve("dare-t1").resolve(f)),
                        Files.readAllBytes(dir.resolve("dare-t2").resolve(f)), f);
            }
        }
        try (Checkpoint s7 = Checkpoint.open(dir.resolve("dare-t1")); Checkpoint s8 = Checkpoint.open(dir.resolve("dare-s8"))) {
            String q = "model.layers.0.self_attn.q_proj.weight";
            assertFalse(Arrays.equals(s7.readFloats(q), s8.readFloats(q)), "a different seed draws different masks");
        }
    }

    @Test
    void outputDirectoryHasConfigTokenizerRecipeAndCard() throws IOException {
        ok("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: a
                    parameters: {weight: 1.0}
                """, "card");
        Path out = dir.resolve("card");
        assertEquals("{\"fake\": true}", Files.readString(out.resolve("tokenizer.json")));
        assertEquals("task_arithmetic", RecipeParser.parse(out.resolve("mergekit_config.yml")).mergeMethod());
        String card = Files.readString(out.resolve("README.md"));
        try (Checkpoint base = Checkpoint.open(dir.resolve("base"))) {
            assertTrue(card.contains(base.fileHashes().get("model.safetensors")), card);
        }
        assertTrue(list(dir).stream().noneMatch(n -> n.contains(".tmp")), "no temp directory is left behind");
    }

    @Test
    void materializeEqualsTheWrittenCheckpointAndSharesUnchangedTensors() throws IOException {
        Path recipe = dir.resolve("mat.yaml");
        Files.writeString(recipe, """
                merge_method: passthrough
                slices:
                  - sources: [{model: a, layer_range: [0, 2]}]
                  - sources: [{model: b, layer_range: [2, 4]}]
                    parameters: {scale: 0.5}
                """);
        var loaded = LoadedRecipe.load(recipe);
        try (Sources sources = Sources.open(loaded); MergeEngine engine = new MergeEngine(2)) {
            MergePlan plan = MergePlanner.plan(loaded, sources);
            Path written = engine.write(plan, dir.resolve("mat"), Long.MAX_VALUE, false, MergeEngine.Progress.NONE);
            try (var mem = engine.materialize(plan, MergeEngine.Progress.NONE); Checkpoint disk = Checkpoint.open(written)) {
                assertEquals(disk.names().size(), mem.names().size());
                for (String n : disk.names()) {
                    assertTrue(disk.bytes(n).mismatch(mem.bytes(n)) < 0, n);
                }
                String copied = "model.layers.0.mlp.up_proj.weight";
                assertEquals(sources.all().values().iterator().next().bytes(copied).address(),
                        mem.bytes(copied).address(), "an unchanged tensor is a view of the mapped source, not a copy");
                float[] scaled = mem.readFloats("model.layers.3.mlp.up_proj.weight");
                float[] src = sources.get(new ModelRef("b"))
                        .readFloats("model.layers.3.mlp.up_proj.weight");
                for (int i = 0; i < src.length; i++) {
                    assertEquals(0.5f * src[i], scaled[i], 0f);
                }
            }
        }
    }

    @Test
    void aRecycledCandidateReusesMemoryAndEqualsAFreshOne() throws IOException {
        Path recipe = dir.resolve("recycle.yaml");
        Files.writeString(recipe, """
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: a
                    parameters: {weight: 0.7}
                """);
        var loaded = LoadedRecipe.load(recipe);
        try (Sources sources = Sources.open(loaded); MergeEngine engine = new MergeEngine(2)) {
            MergePlan plan = MergePlanner.plan(loaded, sources);
            String q = "model.layers.1.self_attn.q_proj.weight";
            var first = engine.materialize(plan, MergeEngine.Progress.NONE);
            long address = first.bytes(q).address();
            byte[] fresh = first.bytes(q).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            try (var second = engine.materialize(plan, MergeEngine.Progress.NONE, first.recycle())) {
                assertEquals(0, first.names().size(), "the recycled object is emptied");
                assertArrayEquals(fresh, second.bytes(q).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                long reused = second.names().stream().filter(n -> second.bytes(n).address() == address).count();
                assertEquals(1, reused, "a tensor of the same size lands in memory the first candidate used");
            }
            first.close(); // a no-op after recycle: closing must not free the memory the second one used
        }
    }

    private static void assertSameTensors(String x, String y) {
        try (Checkpoint a = Checkpoint.open(dir.resolve(x)); Checkpoint b = Checkpoint.open(dir.resolve(y))) {
            for (String n : a.names()) {
                assertArrayEquals(a.readFloats(n), b.readFloats(n), n);
            }
        }
    }

    private static java.util.List<String> list(Path p) throws IOException {
        try (var s = Files.list(p)) {
            return s.map(f -> f.getFileName().toString()).toList();
        }
    }

    // ---- bad input: one line on stderr, exit 3, nothing written ----

    static void assertUserError(String yaml, String outName, String fragment) throws IOException {
        Run r = merge(yaml, outName);
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(Files.exists(dir.resolve(outName)), "nothing is written on bad input");
    }

    @Test
    void missingModelIsNamed() throws IOException {
        assertUserError("merge_method: linear\nmodels:\n  - model: nowhere\n    parameters: {weight: 1}\n",
                "e-missing", "model 'nowhere' not found");
    }

    @Test
    void unknownMethodListsTheKnownOnes() throws IOException {
        assertUserError("merge_method: tie\nbase_model: base\nmodels:\n  - model: a\n", "e-method", "known methods: linear");
    }

    @Test
    void densityOutOfRangeIsRefusedBeforeMerging() throws IOException {
        assertUserError("merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1, density: 1.5}\n",
                "e-density", "must be in (0, 1], but was 1.5");
    }

    @Test
    void unknownParameterNamesThePathAndTheAllowedOnes() throws IOException {
        assertUserError("merge_method: ties\nbase_model: base\nmodels:\n  - model: a\n    parameters: {weight: 1, densty: 0.5}\n",
                "e-param", "models[0].parameters.densty");
    }

    @Test
    void methodNeedingABaseSaysSo() throws IOException {
        assertUserError("merge_method: ties\nmodels:\n  - model: a\n    parameters: {weight: 1}\n", "e-base",
                "needs a base_model");
    }

    @Test
    void layerRangeBeyondTheModelIsRefused() throws IOException {
        assertUserError("merge_method: passthrough\nslices:\n  - sources: [{model: a, layer_range: [2, 9]}]\n",
                "e-range", "exceeds the 4 layers");
    }

    @Test
    void pickleCheckpointsAreRefusedWithAConversionHint() throws IOException {
        Path pickle = Files.createDirectories(dir.resolve("pickled"));
        Files.write(pickle.resolve("pytorch_model.bin"), new byte[16]);
        assertUserError("merge_method: linear\nmodels:\n  - model: pickled\n    parameters: {weight: 1}\n",
                "e-pickle", "safe_serialization");
    }

    @Test
    void existingOutputIsKeptUnlessOverwriteIsGiven() throws IOException {
        String yaml = "merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n";
        ok(yaml, "exists");
        Run again = merge(yaml, "exists");
        assertEquals(3, again.exit());
        assertTrue(again.err().contains("--overwrite"), again.err());
        assertNotEquals(-1, ok(yaml, "exists", "--overwrite").out().indexOf("merged"));
    }
}
