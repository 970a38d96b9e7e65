package dev.evomerge.search.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.merge.recipe.LayerPlan;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.ParameterResolver;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.RecipeParser;
import dev.evomerge.merge.recipe.Scalar;
import dev.evomerge.model.LayerPath;
import dev.evomerge.search.Candidate;
import dev.evomerge.search.Genome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchSpacesTest {
    @TempDir
    Path dir;

    private static final String HEAD = """
            format: evomerge-search-space
            version: 1
            base: models/base
            sources: {a: models/a, b: models/b}
            objective: {weights: {add: 2, rev: 1}}
            """;

    private MergeSpace load(String body) throws IOException {
        Path f = dir.resolve("space.yaml");
        Files.writeString(f, HEAD + body);
        return SearchSpaces.load(f);
    }

    private static Genome random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = r.nextDouble();
        }
        return new Genome(g);
    }

    private String ref(String rel) {
        return dir.resolve(rel).toAbsolutePath().normalize().toString();
    }

    @Test
    void globalSpaceDecodesToModelsRecipeWithBoundedValues() throws IOException {
        MergeSpace s = load("""
                method: ties
                parameters: {weight: [0, 1], density: [0.1, 1], lambda: [0.5, 1.5]}
                fixed: {normalize: true, seed: 7, dtype: bfloat16}
                """);
        assertEquals(List.of("weight[a]", "weight[b]", "density[a]", "density[b]", "lambda"), s.geneNames());
        Recipe r = s.decode(new Genome(new double[] {0, 1, 0.5, 1, 0.25})).recipe();
        assertEquals("ties", r.mergeMethod());
        assertEquals(ref("models/base"), r.baseModel().path());
        assertEquals(List.of(ref("models/a"), ref("models/b")), r.models().stream().map(m -> m.model().path()).toList());
        assertEquals(0.0, num(r.models().get(0).parameters().get("weight")));
        assertEquals(1.0, num(r.models().get(1).parameters().get("weight")));
        assertEquals(0.55, num(r.models().get(0).parameters().get("density")), 1e-15);
        assertEquals(1.0, num(r.models().get(1).parameters().get("density")));
        assertEquals(0.75, num(r.parameters().get("lambda")));
        assertEquals(true, ((Scalar.Bool) r.parameters().get("normalize")).value());
        assertEquals(7L, r.seed());
        assertEquals("bfloat16", r.dtype());
        // The recipe is mergekit YAML that parses back to itself.
        assertEquals(r, RecipeParser.parse(r.toYaml(), "decoded"));
        assertEquals(2.0 / 3 * 0.9 + 1.0 / 3 * 0.3, s.objective().raw().scalar(java.util.Map.of("add", 0.9, "rev", 0.3)),
                1e-15);
    }

    @Test
    void loraSourcesResolveTheBaseAndTheAdapterEach() throws IOException {
        Path f = dir.resolve("lora-space.yaml");
        Files.writeString(f, """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources: {math: models/base+adapters/math, code: models/base+adapters/code}
                objective: {weights: {add: 1}}
                method: linear
                parameters: {weight: [0, 1]}
                """);
        MergeSpace s = SearchSpaces.load(f);
        assertEquals(ref("models/base") + "+" + ref("adapters/math"), s.sources().get("math"));
        Recipe r = s.decode(new Genome(new double[] {0.5, 0.5})).recipe();
        assertEquals(List.of(ref("models/base") + "+" + ref("adapters/math"),
                ref("models/base") + "+" + ref("adapters/code")), r.models().stream().map(m -> m.model().path()).toList());
        assertEquals(r, RecipeParser.parse(r.toYaml(), "decoded"));
    }

    private static double num(Object v) {
        return ((Scalar) v).asDouble();
    }

    @Test
    void roundTripsGenomeRecipeGenomeForEveryGranularity() throws IOException {
        for (String g : List.of("global", "per_layer", "{layers_per_group: 2}", "{layers_per_group: 3}")) {
            for (String f : List.of("[]", "[attention, mlp, rest]", "[mlp]")) {
                MergeSpace s = load("method: dare_ties\nlayers: 7\ngranularity: " + g + "\nfilters: " + f + """

                        parameters:
                          weight: [0, 1]
                          density: [0.1, 1]
                          lambda: {range: [0.5, 1.5], granularity: global}
                        fixed: {seed: 3}
                        """);
                for (long seed = 0; seed < 5; seed++) {
                    Recipe r = s.decode(random(s.dimension(), seed)).recipe();
                    Genome back = s.encode(r);
                    assertEquals(r, s.decode(back).recipe(), g + " " + f);
                }
            }
        }
    }

    /**
     * The merge engine's resolution (mergekit precedence, gradient positions) gives every tensor exactly the decoded
     * gene's value, for each granularity, filter class and model, including layer counts where one-anchor-per-layer
     * gradients would be off by an ulp (23, 30).
     */
    @Test
    void resolvedPerTensorValuesEqualTheGenes() throws IOException {
        for (int layers : List.of(1, 5, 23, 30)) {
            for (String g : List.of("global", "per_layer", "{layers_per_group: 4}")) {
                MergeSpace s = load("method: ties\nlayers: " + layers + "\ngranularity: " + g + """

                        filters: [attention, mlp, rest]
                        parameters:
                          weight: [0, 1]
                          density: {range: [0.1, 1], per_model: false}
                          lambda: [0.5, 1.5]
                        """);
                Genome genome = random(s.dimension(), layers);
                Recipe r = s.decode(genome).recipe();
                LayerPlan plan = LayerPlan.of(r, "test", ref -> layers);
                assertEquals(layers, plan.numLayers());
                ParameterResolver res = ParameterResolver.withoutDefaults(plan);
                Granularity gran = s.params().getFirst().granularity();
                List<String> names = s.geneNames();
                List<TensorFilter> classes = List.of(TensorFilter.ATTENTION, TensorFilter.MLP, TensorFilter.REST);
                for (int layer = 0; layer < layers; layer++) {
                    LayerPlan.OutputLayer out = plan.layers().get(layer);
                    String grp = gran.isGlobal() ? "" : "." + gran.label(gran.groupOf(layer), layers);
                    for (TensorFilter c : classes) {
                        String tensor = switch (c) {
                            case ATTENTION -> "model.layers." + layer + ".self_attn.o_proj.weight";
                            case MLP -> "model.layers." + layer + ".mlp.down_proj.weight";
                            case REST -> "model.layers." + layer + ".post_attention_layernorm.weight";
                        };
                        for (String m : List.of("a", "b")) {
                            double want = genome.gene(names.indexOf("weight[" + m + "]" + grp + "." + c.shortName()));
                            assertEquals(want, res.resolve("weight", out, new ModelRef(ref("models/" + m)), tensor)
                                    .orElseThrow().asDouble(), layers + " " + g + " " + tensor + " " + m);
                            double d = 0.1 + genome.gene(names.indexOf("density" + grp + "." + c.shortName())) * 0.9;
                            assertEquals(d, res.resolve("density", out, new ModelRef(ref("models/" + m)), tensor)
                                    .orElseThrow().asDouble());
                        }
                        double l = 0.5 + genome.gene(names.indexOf("lambda" + grp + "." + c.shortName()));
                        assertEquals(l, res.resolveGlobal("lambda", out, tensor).orElseThrow().asDouble());
                    }
                }
                // Embeddings take the first group's 'rest' values, as mergekit plans them.
                String first = gran.isGlobal() ? "" : "." + gran.label(0, layers);
                assertEquals(genome.gene(names.indexOf("weight[a]" + first + ".rest")),
                        res.resolve("weight", plan.embeddings(), new ModelRef(ref("models/a")),
                                "model.embed_tokens.weight").orElseThrow().asDouble());
            }
        }
    }

    @Test
    void perLayerRecipesAreSlicesWithTheBaseAsSource() throws IOException {
        MergeSpace s = load("method: task_arithmetic\nlayers: 5\nparameters:\n  weight: {range: [0, 2],"
                + " granularity: {layers_per_group: 2}}\n");
        assertEquals(List.of("weight[a].L0-1", "weight[a].L2-3", "weight[a].L4", "weight[b].L0-1", "weight[b].L2-3",
                "weight[b].L4"), s.geneNames());
        Recipe r = s.decode(new Genome(new double[] {0, 0.25, 0.5, 0.75, 1, 0.125})).recipe();
        assertEquals(3, r.slices().size());
        assertEquals(List.of(0, 2, 4), r.slices().stream().map(x -> x.sources().getFirst().start()).toList());
        assertEquals(ref("models/base"), r.slices().get(1).sources().get(2).model().path());
        assertTrue(r.slices().get(1).sources().get(2).parameters().isEmpty());
        assertEquals(0.5, num(r.slices().get(1).sources().get(0).parameters().get("weight")));
        assertEquals(0.25, num(r.slices().get(2).sources().get(1).parameters().get("weight")));
    }

    @Test
    void categoricalMethodGeneBinsUniformlyAndDropsParametersTheMethodLacks() throws IOException {
        MergeSpace s = load("""
                method: [linear, task_arithmetic, ties]
                parameters: {weight: [0, 1], density: [0.1, 1]}
                fixed: {normalize: false}
                """);
        assertEquals("method", s.geneNames().getFirst());
        double[] genes = {0, 0.5, 0.5, 0.5, 0.5};
        String[] expect = {"linear", "linear", "task_arithmetic", "task_arithmetic", "ties", "ties"};
        double[] at = {0.0, 1.0 / 3 - 1e-12, 1.0 / 3, 2.0 / 3 - 1e-12, 2.0 / 3, 1.0};
        for (int i = 0; i < at.length; i++) {
            genes[0] = at[i];
            Recipe r = s.decode(new Genome(genes)).recipe();
            assertEquals(expect[i], r.mergeMethod(), "gene " + at[i]);
        }
        genes[0] = 0.1;
        Recipe linear = s.decode(new Genome(genes)).recipe();
        assertNull(linear.baseModel());
        assertEquals(List.of("weight"), List.copyOf(linear.models().getFirst().parameters().keySet()));
        assertEquals(1.0 / 6, s.encode(linear).gene(0), 0.0);
        genes[0] = 0.9;
        assertEquals(List.of("weight", "density"),
                List.copyOf(s.decode(new Genome(genes)).recipe().models().getFirst().parameters().keySet()));
    }

    @Test
    void encodesAUserRecipeAndRefusesWhatTheSpaceCannotExpress() throws IOException {
        MergeSpace s = load("method: ties\nparameters: {weight: [0, 1], density: {values: [0.25, 0.5, 1.0]}}\n");
        Recipe user = RecipeParser.parse("""
                merge_method: ties
                base_model: models/base
                models:
                  - {model: models/a, parameters: {weight: 0.3, density: 0.5}}
                  - {model: models/b, parameters: {weight: 0.7}}
                """, "user");
        Genome g = s.encode(user);
        assertEquals(0.5, g.gene(2));             // density[a] = 0.5 is bin 1 of 3: centre 0.5
        assertEquals(5.0 / 6, g.gene(3), 1e-15);  // density[b] defaults to 1.0 for ties: bin 2
        Recipe back = s.decode(g).recipe();
        assertEquals(0.3, num(back.models().get(0).parameters().get("weight")));
        assertEquals(0.7, num(back.models().get(1).parameters().get("weight")));
        Recipe outside = RecipeParser.parse(user.toYaml().replace("0.3", "1.5"), "user");
        UserError e = assertThrows(UserError.class, () -> s.encode(outside));
        assertTrue(e.getMessage().contains("weight = 1.5 is outside the space's bounds [0.0, 1.0]"), e.getMessage());
        Recipe wrongMethod = RecipeParser.parse(user.toYaml().replace("ties", "dare_ties"), "user");
        assertThrows(UserError.class, () -> s.encode(wrongMethod));
    }

    @Test
    void paramSpecGeneInvertsValuesExactly() {
        ParamSpec p = new ParamSpec("density", 0.1, 1.0, List.of(), true, Granularity.GLOBAL, List.of());
        for (int i = 0; i <= 90; i++) {
            double v = 0.1 + i * 0.01;
            double g = p.gene(v);
            assertTrue(g >= 0 && g <= 1);
            assertEquals(v, p.value(g), 1e-15);
        }
        assertEquals(0.3, p.value(p.gene(0.3)));
        assertEquals(1.0, p.value(p.gene(1.0)));
        assertEquals(0.1, p.value(p.gene(0.1)));
    }

    @Test
    void worstTaskObjectiveIsTheMinimumAndUnknownAggregatesAreRefused() throws IOException {
        Path f = dir.resolve("min.yaml");
        String head = HEAD.replace("objective: {weights: {add: 2, rev: 1}}", "objective: {tasks: [add, rev], aggregate: %s}");
        Files.writeString(f, head.formatted("min") + "method: ties\nparameters: {weight: [0, 1]}\n");
        assertEquals(0.3, SearchSpaces.load(f).objective().raw().scalar(java.util.Map.of("add", 0.9, "rev", 0.3)));
        Files.writeString(f, head.formatted("max") + "method: ties\nparameters: {weight: [0, 1]}\n");
        UserError e = assertThrows(UserError.class, () -> SearchSpaces.load(f));
        assertTrue(e.getMessage().contains("min.yaml") && e.getMessage().contains("but was 'max'"), e.getMessage());
    }

    @Test
    void normalizeAndReferencesAreParsedAndChecked() throws IOException {
        Path f = dir.resolve("norm.yaml");
        String head = HEAD.replace("objective: {weights: {add: 2, rev: 1}}", "objective: {tasks: [add, rev], %s}");
        String body = "method: ties\nparameters: {weight: [0, 1]}\n";
        Files.writeString(f, head.formatted("aggregate: min") + body);
        assertEquals(Objective.Normalize.AUTO, SearchSpaces.load(f).objective().normalize());
        Files.writeString(f, head.formatted("normalize: retention, references: {rev: b}") + body);
        Objective o = SearchSpaces.load(f).objective();
        assertEquals(Objective.Normalize.RETENTION, o.normalize());
        assertEquals(java.util.Map.of("rev", "b"), o.references());
        Files.writeString(f, head.formatted("normalize: none") + body);
        assertEquals(Objective.Normalize.NONE, SearchSpaces.load(f).objective().normalize());
        for (String bad : List.of("normalize: zscore", "references: {rev: c}", "references: {mul: a}",
                "normalize: none, references: {rev: b}")) {
            Files.writeString(f, head.formatted(bad) + body);
            UserError e = assertThrows(UserError.class, () -> SearchSpaces.load(f), bad);
            assertTrue(e.getMessage().contains("norm.yaml"), e.getMessage());
        }
    }

    @Test
    void dfsDecodesIncludeSkipAndScales() throws IOException {
        MergeSpace s = load("""
                layers: 3
                dfs: {sources: [a, b], repeats: 2, length: 9, scale: [0.5, 1.5]}
                """);
        assertEquals(18, s.dimension());
        assertEquals("dfs[3]:b.L1.include", s.geneNames().get(6));
        double[] g = new double[18];
        // include positions 0 (a.L0), 3 (b.L1), 4 (a.L2), 8 (a.L1 of round 2); 0.5 is the include threshold
        int[] on = {0, 3, 4, 8};
        double[] scales = {0, 0.5, 1, 0.25};
        for (int k = 0; k < on.length; k++) {
            g[on[k] * 2] = k == 1 ? 0.5 : 0.9;
            g[on[k] * 2 + 1] = scales[k];
        }
        g[2] = 0.4999;
        Candidate c = s.decode(new Genome(g));
        assertNull(c.recipe());
        assertEquals(List.of(ref("models/a"), ref("models/b")), c.pathSources());
        assertEquals(List.of(new LayerPath.Step(0, 0, 0.5), new LayerPath.Step(1, 1, 1.0), new LayerPath.Step(0, 2, 1.5),
                new LayerPath.Step(0, 1, 0.75)), c.layerPath().steps());
        assertEquals(c, s.decode(s.encode(c, dir)));
        // Nothing included: the position with the largest include gene is kept, so every genome decodes.
        double[] none = new double[18];
        none[10] = 0.3;
        assertEquals(List.of(new LayerPath.Step(1, 2, 0.5)), s.decode(new Genome(none)).layerPath().steps());
    }

    @Test
    void dataFlowSearchesStartFromTheFirstSourcesOwnLayers() throws IOException {
        MergeSpace ps = load("""
                method: task_arithmetic
                parameters: {weight: [0, 2]}
                """);
        assertEquals(1.0, num(ps.decode(ps.start()).recipe().models().get(0).parameters().get("weight")), 1e-12,
                "parameter spaces start at plain task arithmetic");
        MergeSpace s = load("""
                layers: 3
                method: task_arithmetic
                parameters: {weight: [0, 2]}
                dfs: {sources: [merged, a], repeats: 2, scale: [0.5, 1.5]}
                """);
        Candidate c = s.decode(s.start());
        assertEquals(1.0, num(c.recipe().models().get(0).parameters().get("weight")), 1e-12,
                "parameter genes at plain task arithmetic");
        assertEquals(List.of(new LayerPath.Step(0, 0, 1.0), new LayerPath.Step(0, 1, 1.0), new LayerPath.Step(0, 2, 1.0)),
                c.layerPath().steps(), "the merged model's layers once, at scale 1: the PS model itself");
        MergeSpace fixedScale = load("""
                layers: 2
                dfs: {sources: [b, a]}
                """);
        assertEquals(List.of(new LayerPath.Step(0, 0, 1.0), new LayerPath.Step(0, 1, 1.0)),
                fixedScale.decode(fixedScale.start()).layerPath().steps());
    }

    @Test
    void psPlusDfsDecodesBothWithTheMergedModelAsPathSource() throws IOException {
        MergeSpace s = load("""
                layers: 2
                method: task_arithmetic
                parameters: {weight: [0, 1]}
                dfs: {sources: [merged, a]}
                """);
        assertEquals(2 + 4, s.dimension());
        Candidate c = s.decode(new Genome(new double[] {0.2, 0.4, 1, 1, 0, 1}));
        assertNotNull(c.recipe());
        assertEquals(List.of(Candidate.MERGED, ref("models/a")), c.pathSources());
        assertEquals(List.of(new LayerPath.Step(0, 0, 1.0), new LayerPath.Step(1, 0, 1.0), new LayerPath.Step(1, 1, 1.0)),
                c.layerPath().steps());
        assertEquals(c, s.decode(s.encode(c, dir)));
    }

    @Test
    void gridAxesUseBinCentresForDiscreteGenes() throws IOException {
        MergeSpace s = load("""
                method: [task_arithmetic, dare_ties]
                parameters:
                  lambda: {values: [0.5, 1.0, 1.5]}
                  density: {values: [0.2, 0.6], per_model: false}
                fixed: {weight: 1.0}
                """);
        assertEquals(List.of(List.of(0.25, 0.75), List.of(1.0 / 6, 0.5, 5.0 / 6), List.of(0.25, 0.75)), s.gridAxes(3));
        Recipe r = s.decode(new Genome(new double[] {0.75, 5.0 / 6, 0.25})).recipe();
        assertEquals("dare_ties", r.mergeMethod());
        assertEquals(1.5, num(r.parameters().get("lambda")));
        assertEquals(0.2, num(r.parameters().get("density")));
        assertEquals(1.0, num(r.parameters().get("weight")));
    }

    @Test
    void badFilesAreOneLineErrorsNamingFileAndKey() throws IOException {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"method: ties\nparameters: {weight: [0, 1]}\nsurprise: 1\n", "unknown key 'surprise'"});
        cases.add(new String[] {"method: ties\nparameters: {wieght: [0, 1]}\n", "'parameters': 'wieght' is not a parameter"});
        cases.add(new String[] {"method: ties\nparameters: {weight: {range: [0, 1], granularty: per_layer}}\n",
                "'weight': unknown key 'granularty'"});
        cases.add(new String[] {"method: tie\n", "unknown merge method 'tie'"});
        cases.add(new String[] {"method: ties\nparameters: {weight: [1, 0]}\n", "min <= max"});
        cases.add(new String[] {"method: ties\nparameters: {lambda: {range: [0, 1], per_model: true}}\n",
                "method-wide parameter"});
        cases.add(new String[] {"method: ties\nparameters: {weight: [0, 1]}\nfilters: [attn]\n", "unknown filter 'attn'"});
        cases.add(new String[] {"method: ties\nparameters: {weight: [0, 1]}\ngranularity: per_layer\n",
                "per-layer genes and DFS need the layer count"});
        cases.add(new String[] {"layers: 2\ndfs: {sources: [merged]}\n", "PS+DFS needs one"});
        cases.add(new String[] {"layers: 2\ndfs: {sources: [a], length: 5}\n", "must be in [1, 2]"});
        cases.add(new String[] {"method: ties\nfixed: {normalize: yes please}\n", "'normalize' must be a number"});
        cases.add(new String[] {"method: ties\nfixed: {dtype: int8}\n", "'dtype' is unknown dtype 'int8'"});
        cases.add(new String[] {"layers: 6\ndfs: {sources: [a, b], repeats: 441234715}\n",
                "'repeats' 441234715 makes 5294816580 layer positions"});
        for (String[] c : cases) {
            UserError e = assertThrows(UserError.class, () -> load(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertTrue(e.getMessage().contains("space.yaml"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
        Path f = dir.resolve("v2.yaml");
        Files.writeString(f, HEAD.replace("version: 1", "version: 2") + "method: ties\n");
        UserError e = assertThrows(UserError.class, () -> SearchSpaces.load(f));
        assertTrue(e.getMessage().contains("v2.yaml has format version 2"), e.getMessage());
    }

    @Test
    void layerCountComesFromTheBaseConfigAndAStaleCountIsRefused() throws IOException {
        Files.createDirectories(dir.resolve("models/base"));
        Files.writeString(dir.resolve("models/base/config.json"), "{\"num_hidden_layers\": 4}");
        MergeSpace s = load("method: ties\nparameters: {weight: {range: [0, 1], granularity: per_layer}}\n");
        assertEquals(4, s.numLayers());
        assertEquals(8, s.dimension());
        UserError e = assertThrows(UserError.class, () -> load("layers: 6\nmethod: ties\nparameters: {weight: [0, 1]}\n"));
        assertTrue(e.getMessage().contains("'layers' is 6 but") && e.getMessage().contains("num_hidden_layers 4"),
                e.getMessage());
    }
}
