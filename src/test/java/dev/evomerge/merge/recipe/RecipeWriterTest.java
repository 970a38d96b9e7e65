package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecipeWriterTest {

    private static Recipe roundTrip(Recipe r) {
        Recipe back = RecipeParser.parse(r.toYaml(), "emitted");
        assertEquals(r, back, r.toYaml());
        return back;
    }

    @Test
    void emitsReadableMergekitYaml() {
        Map<String, ParameterValue> aParams = new LinkedHashMap<>();
        aParams.put("weight", Gradient.of(0.1, 0.25, 1));
        aParams.put("density", Scalar.of(0.5));
        Recipe r = Recipe.builder("dare_ties").baseModel("./base")
                .model("./chat", aParams)
                .model("./code", Map.of("weight", Filtered.of(
                        Filtered.Entry.when("self_attn", Gradient.of(0, 1)),
                        Filtered.Entry.otherwise(Scalar.of(0.3)))))
                .parameter("normalize", Scalar.of(false))
                .parameter("lambda", Scalar.of(1e-5))
                .dtype("bfloat16")
                .seed(42L)
                .build();
        assertEquals("""
                merge_method: dare_ties
                base_model: ./base
                models:
                  - model: ./chat
                    parameters:
                      weight: [0.1, 0.25, 1.0]
                      density: 0.5
                  - model: ./code
                    parameters:
                      weight:
                        - filter: self_attn
                          value: [0.0, 1.0]
                        - value: 0.3
                parameters:
                  normalize: false
                  lambda: 1.0e-05
                dtype: bfloat16
                seed: 42  # evomerge extension: seed of stochastic methods (mergekit ignores it)
                """, r.toYaml());
        roundTrip(r);
    }

    @Test
    void emitsSlicesWithFlowLayerRanges() {
        Recipe r = Recipe.builder("passthrough")
                .slice(new Slice(List.of(new SliceSource(new ModelRef("a"), 0, 24, Map.of("scale", Scalar.of(0.5)))),
                        new ModelRef("b"), 0.5, Map.of("w", Gradient.of(1)))).name("stage-1").build();
        assertEquals("""
                name: stage-1
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 24]
                        parameters:
                          scale: 0.5
                    base_model: b
                    residual_weight: 0.5
                    parameters:
                      w: [1.0]
                """, r.toYaml());
        roundTrip(r);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.0, 1.0, -2.5, 0.1, 1e-3, 9.99e-4, 1e-5, 1.2345678901234567e-12, 1e7, 1e16, 1e22,
            -3.4e38, 4.9e-324, Double.MAX_VALUE, 1.0 / 3})
    void numbersRoundTripExactly(double v) {
        String s = RecipeWriter.number(v);
        assertEquals(v, Double.parseDouble(s));
        // YAML 1.1 (mergekit's PyYAML) only reads a plain scalar as a float with a '.' and a signed exponent
        assertEquals(true, s.matches("[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?"), s);
        roundTrip(Recipe.builder("linear").model("a", Map.of("x", Scalar.of(v), "g", Gradient.of(v, -v))).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain-name", "true", "No", "on", "~", "null", "1.5", "007", "1e5", ".inf", "*", "a b",
            "x: y", "- dash", "<|im_start|>", "{{ messages }}", "line1\nline2\t\"quoted\" \\ back", "#hash", "&anchor",
            "!tag", "@at", "%pct", "`tick", "ünïcödé", "\u0001ctl", "", "  padded  ", "'single'"})
    void textsRoundTrip(String text) {
        Recipe r = Recipe.builder("linear").model("m", Map.of()).chatTemplate(text).name(text)
                .tokenizer(new TokenizerConfig(TokenizerSource.UNION,
                        Map.of(text, new TokenizerConfig.TokenEmbedding(new TokenizerConfig.Zero(), true)), null))
                .build();
        roundTrip(r);
    }

    @Test
    void textParameterValuesAndFilterKeysRoundTrip() {
        roundTrip(Recipe.builder("linear").model("m", Map.of())
                .parameter("mode", Scalar.of("yes-but-text"))
                .parameter("on", Scalar.of("truth"))
                .parameter("f", Filtered.of(Filtered.Entry.when("*", Scalar.of(true)),
                        Filtered.Entry.when("layers.1.", Gradient.of(1, 2)),
                        Filtered.Entry.when("a: b", Scalar.of("x y"))))
                .build());
    }

    @Test
    void tokenizerVariantsRoundTrip() {
        Map<String, TokenizerConfig.TokenEmbedding> tokens = new LinkedHashMap<>();
        tokens.put("<a>", new TokenizerConfig.TokenEmbedding(null, false));
        tokens.put("<b>", new TokenizerConfig.TokenEmbedding(null, true));
        tokens.put("<c>", new TokenizerConfig.TokenEmbedding(new TokenizerConfig.FromModel(new ModelRef("m")), false));
        tokens.put("<d>", new TokenizerConfig.TokenEmbedding(
                new TokenizerConfig.ModelToken(new ModelRef("m"), 0, null), true));
        tokens.put("<e>", new TokenizerConfig.TokenEmbedding(
                new TokenizerConfig.ModelToken(new ModelRef("m"), null, "<old>"), false));
        roundTrip(Recipe.builder("linear").model("m", Map.of())
                .tokenizer(new TokenizerConfig(TokenizerSource.of(new ModelRef("m")), tokens, 32)).build());
        roundTrip(Recipe.builder("linear").model("m", Map.of()).tokenizerSource(TokenizerSource.BASE)
                .outDtype("float32").build());
    }

    /** Seeded random recipes over every value shape: emission must be faithful for whatever a search produces. */
    @Test
    void randomRecipesRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(20240611L);
        for (int n = 0; n < 300; n++) {
            Recipe.Builder b = Recipe.builder(rnd.nextBoolean() ? "ties" : "slerp");
            if (rnd.nextBoolean()) {
                b.baseModel("base-" + rnd.nextInt(3));
            }
            if (rnd.nextBoolean()) {
                for (int i = 0, k = 1 + rnd.nextInt(3); i < k; i++) {
                    b.model("m" + i, randomParams(rnd));
                }
            } else {
                for (int s = 0, k = 1 + rnd.nextInt(3); s < k; s++) {
                    int start = rnd.nextInt(10);
                    int len = 1 + rnd.nextInt(8);
                    List<SliceSource> sources = new ArrayList<>();
                    for (int i = 0, m = 1 + rnd.nextInt(3); i < m; i++) {
                        sources.add(new SliceSource(new ModelRef("m" + i), start + i, start + i + len, randomParams(rnd)));
                    }
                    b.slice(new Slice(sources, rnd.nextBoolean() ? new ModelRef("sb") : null,
                            rnd.nextBoolean() ? randomNumber(rnd) : null, randomParams(rnd)));
                }
            }
            b.parameters(p -> p.putAll(randomParams(rnd)));
            if (rnd.nextBoolean()) {
                b.seed(rnd.nextLong());
            }
            roundTrip(b.build());
        }
    }

    private static Map<String, ParameterValue> randomParams(SplittableRandom rnd) {
        Map<String, ParameterValue> params = new LinkedHashMap<>();
        for (int i = 0, k = rnd.nextInt(4); i < k; i++) {
            params.put("p" + i, switch (rnd.nextInt(3)) {
                case 0 -> randomScalar(rnd);
                case 1 -> randomGradient(rnd);
                default -> {
                    List<Filtered.Entry> entries = new ArrayList<>();
                    for (int e = 0, m = 1 + rnd.nextInt(3); e < m; e++) {
                        ParameterValue v = rnd.nextBoolean() ? randomScalar(rnd) : randomGradient(rnd);
                        entries.add(rnd.nextInt(3) == 0 ? Filtered.Entry.otherwise(v)
                                : Filtered.Entry.when(List.of("self_attn", "mlp", "*", "norm").get(rnd.nextInt(4)), v));
                    }
                    yield new Filtered(entries);
                }
            });
        }
        return params;
    }

    private static Scalar randomScalar(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> Scalar.of(rnd.nextBoolean());
            case 1 -> Scalar.of("text" + rnd.nextInt(5));
            default -> Scalar.of(randomNumber(rnd));
        };
    }

    private static Gradient randomGradient(SplittableRandom rnd) {
        double[] v = new double[1 + rnd.nextInt(40)];
        for (int i = 0; i < v.length; i++) {
            v[i] = randomNumber(rnd);
        }
        return Gradient.of(v);
    }

    private static double randomNumber(SplittableRandom rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> rnd.nextDouble();
            case 1 -> Math.round(rnd.nextDouble() * 20) / 10.0;
            default -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-30, 30));
        };
    }
}
