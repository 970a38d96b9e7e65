package dev.evomerge.merge.methods;

import static dev.evomerge.merge.methods.Fixtures.f;
import static dev.evomerge.merge.methods.Fixtures.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MergeMethodsTest {

    @Test
    void registersEveryStandardMethod() {
        assertEquals(List.of("linear", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
                "breadcrumbs_ties", "della", "della_linear", "slerp", "nuslerp", "model_stock", "passthrough",
                "nearswap", "multislerp", "karcher", "sce", "ram", "ramplus_tl", "arcee_fusion"),
                MergeMethods.names());
        for (String name : MergeMethods.names()) {
            assertEquals(name, MergeMethods.get(name).name());
        }
    }

    @Test
    void unknownMethodListsTheKnownOnes() {
        UserError e = assertThrows(UserError.class, () -> MergeMethods.get("dare"));
        assertTrue(e.getMessage().contains("'dare'") && e.getMessage().contains("dare_ties")
                && e.getMessage().contains("model_stock"), e.getMessage());
    }

    /** name=default pairs, "name!" for required, as in mergekit's registry.py and the method classes. */
    private static String describe(List<Param> params) {
        return params.stream().map(p -> p.required() ? p.name() + "!"
                : p.name() + "=" + (p.type() == ParamType.BOOLEAN ? String.valueOf(p.defaultValue() != 0)
                        : p.type() == ParamType.CHOICE ? p.choices().get((int) p.defaultValue())
                        : String.valueOf(p.defaultValue())))
                .collect(Collectors.joining(","));
    }

    @Test
    void parametersAndDefaultsAreMergekits() {
        String gta = "int8_mask=false,normalize=%s,rescale=%s,lambda=1.0";
        String ties = gta + ",consensus_method=sum";
        Map<String, String[]> expected = new LinkedHashMap<>();
        expected.put("linear", new String[] {"normalize=true", "weight!", "NONE"});
        expected.put("task_arithmetic", new String[] {gta.formatted(false, false), "weight!,density=1.0", "REQUIRED"});
        expected.put("ties", new String[] {ties.formatted(true, false), "weight!,density=1.0", "REQUIRED"});
        expected.put("dare_ties", new String[] {ties.formatted(false, true), "weight!,density=1.0", "REQUIRED"});
        expected.put("dare_linear", new String[] {gta.formatted(false, true), "weight!,density=1.0", "REQUIRED"});
        expected.put("breadcrumbs", new String[] {gta.formatted(false, false), "weight!,density=1.0,gamma=0.01",
            "REQUIRED"});
        expected.put("breadcrumbs_ties", new String[] {ties.formatted(false, false),
            "weight!,density=1.0,gamma=0.01", "REQUIRED"});
        expected.put("della", new String[] {ties.formatted(true, true), "weight!,density=1.0,epsilon=0.15",
            "REQUIRED"});
        expected.put("della_linear", new String[] {gta.formatted(false, true), "weight!,density=1.0,epsilon=0.15",
            "REQUIRED"});
        expected.put("slerp", new String[] {"t!", "", "REQUIRED"});
        expected.put("nuslerp", new String[] {"nuslerp_row_wise=false,nuslerp_flatten=true", "weight!", "OPTIONAL"});
        expected.put("model_stock", new String[] {"filter_wise=false", "", "REQUIRED"});
        expected.put("passthrough", new String[] {"", "scale=1.0", "NONE"});
        expected.put("nearswap", new String[] {"t!", "", "REQUIRED"});
        expected.put("multislerp", new String[] {"normalize_weights=true,eps=1.0E-8", "weight!", "OPTIONAL"});
        expected.put("karcher", new String[] {"max_iter=10.0,tol=1.0E-5", "", "NONE"});
        expected.put("sce", new String[] {"int8_mask=false,select_topk=1.0", "", "REQUIRED"});
        expected.put("ram", new String[] {"epsilon=1.0E-5", "", "REQUIRED"});
        expected.put("ramplus_tl", new String[] {"r=0.1,alpha=0.2,epsilon=1.0E-5", "", "REQUIRED"});
        expected.put("arcee_fusion", new String[] {"", "", "REQUIRED"});
        assertEquals(expected.keySet().stream().toList(), MergeMethods.names());
        for (var e : expected.entrySet()) {
            MergeMethod m = MergeMethods.get(e.getKey());
            assertEquals(e.getValue()[0], describe(m.globalParams()), e.getKey() + " global");
            assertEquals(e.getValue()[1], describe(m.modelParams()), e.getKey() + " per-model");
            assertEquals(e.getValue()[2], m.baseModelUse().name(), e.getKey() + " base");
        }
    }

    @Test
    void unknownParameterListsAllowedOnes() {
        UserError e = assertThrows(UserError.class, () -> in().base(f(1)).model(f(2), "weight", 1, "densty", 0.5)
                .merge("ties"));
        assertTrue(e.getMessage().contains("'densty'") && e.getMessage().contains("weight, density"),
                e.getMessage());
        UserError g = assertThrows(UserError.class, () -> in().base(f(1)).model(f(2), "weight", 1)
                .global("lamda", 2).merge("ties"));
        assertTrue(g.getMessage().contains("'lamda'") && g.getMessage().contains("lambda"), g.getMessage());
    }

    @Test
    void missingRequiredAndNonFiniteValuesAreUserErrors() {
        UserError missing = assertThrows(UserError.class, () -> in().model(f(1)).merge("linear"));
        assertTrue(missing.getMessage().contains("'weight'") && missing.getMessage().contains("up_proj"),
                missing.getMessage());
        UserError nan = assertThrows(UserError.class, () -> in().model(f(1), "weight", Double.NaN).merge("linear"));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
        assertThrows(UserError.class, () -> in().base(f(1)).model(f(2)).merge("slerp"));
    }

    @Test
    void baseModelPolicyIsEnforced() {
        UserError linear = assertThrows(UserError.class, () -> in().base(f(1)).model(f(2), "weight", 1)
                .merge("linear"));
        assertTrue(linear.getMessage().contains("does not use a base_model"), linear.getMessage());
        UserError ties = assertThrows(UserError.class, () -> in().model(f(2), "weight", 1).merge("ties"));
        assertTrue(ties.getMessage().contains("needs a base_model"), ties.getMessage());
    }

    @Test
    void mismatchedSizesNameTheTensor() {
        UserError e = assertThrows(UserError.class, () -> in().shape(2).base(f(1, 2)).model(f(1, 2, 3), "weight", 1)
                .build());
        assertTrue(e.getMessage().contains("up_proj") && e.getMessage().contains("model 0"), e.getMessage());
    }

    @Test
    void outputMustNotAliasAnInput() {
        float[] base = f(1, 2);
        TensorInput input = in().base(base).model(f(2, 3), "weight", 1).build();
        assertThrows(IllegalArgumentException.class,
                () -> MergeMethods.get("task_arithmetic").merge(input, base, Fixtures.SIMD_1));
    }
}
