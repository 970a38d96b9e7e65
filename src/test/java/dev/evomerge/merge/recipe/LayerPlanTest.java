package dev.evomerge.merge.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class LayerPlanTest {
    private static final ModelRef A = new ModelRef("a");
    private static final ModelRef B = new ModelRef("b");
    private static final ModelRef BASE = new ModelRef("base");

    private static ToIntFunction<ModelRef> layers(Map<String, Integer> counts) {
        return m -> counts.get(m.path());
    }

    private static List<Integer> inputLayers(LayerPlan plan, ModelRef model) {
        return plan.layers().stream()
                .map(l -> l.inputs().stream().filter(i -> i.model().equals(model)).findFirst()
                        .map(LayerPlan.LayerInput::layer).orElse(-1))
                .toList();
    }

    @Test
    void modelsMergeFeedsEachOutputLayerFromTheSameIndexAndAppendsTheBase() {
        Recipe r = Recipe.builder("ties").baseModel("base")
                .model("a", Map.of("weight", Scalar.of(0.5)))
                .model("b", Map.of())
                .build();
        LayerPlan plan = LayerPlan.of(r, "r", layers(Map.of("a", 4, "b", 4, "base", 4)));
        assertEquals(4, plan.numLayers());
        assertEquals(1, plan.slices().size());
        assertEquals(List.of(A, B, BASE), plan.layers().get(2).models());
        assertEquals(List.of(0, 1, 2, 3), inputLayers(plan, A));
        assertEquals(List.of(0, 1, 2, 3), inputLayers(plan, BASE));
        assertEquals(List.of(0.0, 1.0 / 3, 2.0 / 3, 1.0), plan.layers().stream().map(LayerPlan.OutputLayer::t).toList());
        assertEquals(BASE, plan.layers().getFirst().baseModel());
        // the appended base carries no parameters; the model entry's parameters travel with its source
        assertEquals(Map.of(), plan.slices().getFirst().slice().sources().get(2).parameters());
        assertEquals(Scalar.of(0.5), plan.slices().getFirst().slice().sources().getFirst().parameters().get("weight"));
        assertEquals(new LayerPlan.NonLayerTensors(0, List.of(A, B, BASE), BASE), plan.embeddings());
        assertEquals(new LayerPlan.NonLayerTensors(0, List.of(A, B, BASE), BASE), plan.head());
    }

    @Test
    void baseListedAmongModelsIsNotAddedTwice() {
        Recipe r = Recipe.builder("slerp").baseModel("a").model("a", Map.of()).model("b", Map.of()).build();
        LayerPlan plan = LayerPlan.of(r, "r", m -> 3);
        assertEquals(List.of(A, B), plan.layers().getFirst().models());
    }

    @Test
    void modelsMergeWithUnequalLayerCountsIsRefused() {
        Recipe r = Recipe.builder("linear").baseModel("base").model("a", Map.of()).model("b", Map.of()).build();
        UserError e = assertThrows(UserError.class,
                () -> LayerPlan.of(r, "r.yml", layers(Map.of("a", 32, "b", 32, "base", 40))));
        assertEquals("r.yml: base_model: 'base' has 40 layers but 'a' has 32; a models: merge needs equal layer"
                + " counts (use slices: to choose layer ranges)", e.getMessage());
    }

    @Test
    void frankenmergeStacksOverlappingRangesInSliceOrder() {
        Recipe r = RecipeParser.parse(RecipeParserTest.resource("passthrough-stack.yml"));
        LayerPlan plan = LayerPlan.of(r, "stack", m -> 40);
        // [0, 30) of alpha then [10, 40) of beta: 60 output layers, beta's 10..29 appear a second time
        assertEquals(60, plan.numLayers());
        LayerPlan.OutputLayer l29 = plan.layers().get(29);
        LayerPlan.OutputLayer l30 = plan.layers().get(30);
        assertEquals(List.of(new LayerPlan.LayerInput(new ModelRef("alpha-13b"), 29)), l29.inputs());
        assertEquals(List.of(new LayerPlan.LayerInput(new ModelRef("beta-13b"), 10)), l30.inputs());
        assertEquals(List.of(new LayerPlan.LayerInput(new ModelRef("beta-13b"), 39)), plan.layers().get(59).inputs());
        assertEquals(0, l29.sliceIndex());
        assertEquals(1, l30.sliceIndex());
        // t restarts in each slice
        assertEquals(1.0, l29.t());
        assertEquals(0.0, l30.t());
        assertEquals(30, plan.slices().get(1).firstOutputLayer());
        assertEquals(List.of(new ModelRef("alpha-13b")), plan.embeddings().models());
        assertEquals(1, plan.head().sliceIndex());
        assertEquals(List.of(new ModelRef("beta-13b")), plan.head().models());
        assertEquals(0.0, plan.head().t());
    }

    @Test
    void multiSourceSlicesPairLayersByOffset() {
        Recipe r = Recipe.builder("linear")
                .slice(new Slice(List.of(new SliceSource(A, 0, 2), new SliceSource(B, 4, 6))))
                .slice(new Slice(List.of(new SliceSource(B, 6, 7))))
                .build();
        LayerPlan plan = LayerPlan.of(r, "r", m -> 8);
        assertEquals(3, plan.numLayers());
        assertEquals(List.of(new LayerPlan.LayerInput(A, 1), new LayerPlan.LayerInput(B, 5)), plan.layers().get(1).inputs());
        // a one-layer slice has t = 1 (mergekit)
        assertEquals(1.0, plan.layers().get(2).t());
        // head tensors: the last slice's sources, cut to the first slice's source count (mergekit's zip)
        assertEquals(List.of(B), plan.head().models());
    }

    @Test
    void headTakesOnlyAsManyLastSliceSourcesAsTheFirstSliceHas() {
        Recipe r = Recipe.builder("linear")
                .slice(new Slice(List.of(new SliceSource(A, 0, 2))))
                .slice(new Slice(List.of(new SliceSource(B, 2, 4), new SliceSource(A, 2, 4))))
                .build();
        LayerPlan plan = LayerPlan.of(r, "r", m -> 4);
        assertEquals(List.of(B), plan.head().models());
        assertEquals(List.of(B, A), plan.layers().get(3).models());
    }

    @Test
    void sliceBaseModelOverridesTheRecipeBase() {
        Recipe r = Recipe.builder("task_arithmetic").baseModel("base")
                .slice(new Slice(List.of(new SliceSource(A, 0, 2)), B, null, Map.of()))
                .slice(new Slice(List.of(new SliceSource(A, 2, 4))))
                .build();
        LayerPlan plan = LayerPlan.of(r, "r", m -> 4);
        assertEquals(B, plan.layers().get(0).baseModel());
        assertEquals(BASE, plan.layers().get(2).baseModel());
        assertEquals(B, plan.embeddings().baseModel());
        assertEquals(BASE, plan.head().baseModel());
    }

    @Test
    void rangesBeyondTheModelAreRefused() {
        Recipe r = Recipe.builder("passthrough").slice(new Slice(List.of(new SliceSource(A, 0, 4))))
                .slice(new Slice(List.of(new SliceSource(B, 20, 40)))).build();
        UserError e = assertThrows(UserError.class, () -> LayerPlan.of(r, "r.yml", layers(Map.of("a", 32, "b", 32))));
        assertEquals("r.yml: slices[1].sources[0].layer_range: end 40 exceeds the 32 layers of 'b'", e.getMessage());
    }

    @Test
    void unequalSliceSourcesAreRefusedByTheModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Slice(List.of(new SliceSource(A, 0, 4), new SliceSource(B, 0, 5))));
        assertEquals("sources[1] covers 5 layers but sources[0] covers 4; all sources of a slice must cover the same"
                + " number of layers", e.getMessage());
    }
}
