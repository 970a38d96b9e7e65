package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** mergekit's ConfigReader.parameter: source, then slice, then top level, then the method default. */
class ParameterResolverTest {
    private static final ModelRef A = new ModelRef("a");
    private static final ModelRef B = new ModelRef("b");
    private static final String Q = "model.layers.1.self_attn.q_proj.weight";
    private static final String UP = "model.layers.1.mlp.up_proj.weight";

    /** One 3-layer slice (t = 0, 0.5, 1) with a value for "w" at each level, each distinguishable. */
    private static LayerPlan plan() {
        Recipe r = Recipe.builder("linear")
                .slice(new Slice(List.of(
                        new SliceSource(A, 0, 3, Map.of("w", Scalar.of(1.0),
                                "f", Filtered.of(Filtered.Entry.when("mlp", Gradient.of(10, 20))))),
                        new SliceSource(B, 0, 3)),
                        Map.of("w", Scalar.of(2.0), "s", Gradient.of(0, 4),
                                "f", Filtered.of(Filtered.Entry.when("self_attn", Scalar.of(30.0))))))
                .parameter("w", Scalar.of(3.0))
                .parameter("g", Scalar.of(5.0))
                .parameter("f", Filtered.of(Filtered.Entry.otherwise(Scalar.of(40.0))))
                .build();
        return LayerPlan.of(r, "r", m -> 3);
    }

    private static final ParameterResolver RESOLVER =
            ParameterResolver.of(plan(), Map.of("w", Scalar.of(9.0), "d", Scalar.of(7.0)));

    private static Optional<Scalar> perModel(String name, ModelRef m, int layer, String tensor) {
        return RESOLVER.resolve(name, plan().layers().get(layer), m, tensor);
    }

    @Test
    void sourceBeatsSliceBeatsTopLevelBeatsDefault() {
        assertEquals(Optional.of(Scalar.of(1.0)), perModel("w", A, 0, Q));
        assertEquals(Optional.of(Scalar.of(2.0)), perModel("w", B, 0, Q));
        assertEquals(Optional.of(Scalar.of(5.0)), perModel("g", A, 0, Q));
        assertEquals(Optional.of(Scalar.of(7.0)), perModel("d", A, 0, Q));
        assertEquals(Optional.empty(), perModel("missing", A, 0, Q));
    }

    @Test
    void methodWideParametersSkipTheSourceLevel() {
        assertEquals(Optional.of(Scalar.of(2.0)), RESOLVER.resolveGlobal("w", plan().layers().get(0), Q));
    }

    @Test
    void sliceGradientsFollowTheLayerPosition() {
        assertEquals(Optional.of(Scalar.of(0.0)), perModel("s", A, 0, Q));
        assertEquals(Optional.of(Scalar.of(2.0)), perModel("s", A, 1, Q));
        assertEquals(Optional.of(Scalar.of(4.0)), perModel("s", A, 2, Q));
    }

    @Test
    void unmatchedFiltersFallThroughToTheNextLevel() {
        // a's source filter matches mlp (gradient 10 -> 20 over t)
        assertEquals(Optional.of(Scalar.of(15.0)), perModel("f", A, 1, UP));
        // for attention it does not match: the slice's self_attn filter answers
        assertEquals(Optional.of(Scalar.of(30.0)), perModel("f", A, 1, Q));
        // for a norm neither matches: the top-level catch-all answers
        assertEquals(Optional.of(Scalar.of(40.0)), perModel("f", A, 1, "model.layers.1.input_layernorm.weight"));
    }

    @Test
    void nonLayerTensorsUseTZeroAndTheirSlice() {
        LayerPlan p = plan();
        assertEquals(Optional.of(Scalar.of(0.0)), RESOLVER.resolve("s", p.head(), A, "lm_head.weight"));
        assertEquals(Optional.of(Scalar.of(10.0)), RESOLVER.resolve("f", p.embeddings(), A, "model.embed_tokens.mlp"));
    }

    @Test
    void modelEntriesActAsSourcesOfTheSingleSlice() {
        Recipe r = RecipeParser.parse(RecipeParserTest.resource("ties-gradients.yml"));
        LayerPlan p = LayerPlan.of(r, "ties", m -> 5);
        ParameterResolver res = ParameterResolver.withoutDefaults(p);
        LayerPlan.OutputLayer mid = p.layers().get(2); // t = 0.5
        assertEquals(Optional.of(Scalar.of(0.6)), res.resolve("density", mid, new ModelRef("chat-7b"), UP));
        assertEquals(Optional.of(Scalar.of(0.5)), res.resolve("weight", mid, new ModelRef("code-7b"), UP));
        assertEquals(Optional.of(Scalar.of(0.6)), res.resolve("weight", mid, new ModelRef("math-7b"), UP));
        assertEquals(Optional.of(Scalar.of(0.0)), res.resolve("weight", mid, new ModelRef("math-7b"), Q));
        // the appended base model has no per-model parameters
        assertEquals(Optional.empty(), res.resolve("weight", mid, new ModelRef("base-7b"), Q));
        assertEquals(Optional.of(Scalar.of(true)), res.resolveGlobal("normalize", mid, Q));
    }

    @Test
    void defaultsMayComeFromAFunction() {
        ParameterResolver res = ParameterResolver.of(plan(),
                name -> name.equals("lambda") ? Optional.of(Scalar.of(1.0)) : Optional.empty());
        assertEquals(Optional.of(Scalar.of(1.0)), res.resolveGlobal("lambda", plan().layers().get(0), Q));
        assertEquals(Optional.empty(), res.resolveGlobal("epsilon", plan().layers().get(0), Q));
    }
}
