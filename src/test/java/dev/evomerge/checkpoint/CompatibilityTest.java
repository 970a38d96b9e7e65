package dev.evomerge.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.evomerge.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompatibilityTest {
    @TempDir
    Path tmp;

    private static InMemoryTensors model(Object... nameAndShape) {
        InMemoryTensors t = new InMemoryTensors();
        for (int i = 0; i < nameAndShape.length; i += 2) {
            long[] shape = (long[]) nameAndShape[i + 1];
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            t.putF32((String) nameAndShape[i], shape, new float[(int) n]);
        }
        return t;
    }

    private static long[] s(long... d) {
        return d;
    }

    private static Map<String, TensorSource> of(Object... labelAndModel) {
        Map<String, TensorSource> m = new LinkedHashMap<>();
        for (int i = 0; i < labelAndModel.length; i += 2) {
            m.put((String) labelAndModel[i], (TensorSource) labelAndModel[i + 1]);
        }
        return m;
    }

    @Test
    void identicalModelsHaveNoProblems() {
        try (var a = model("x", s(2, 3)); var b = model("x", s(2, 3))) {
            assertEquals(List.of(), Compatibility.problems(of("base", a, "models/b", b)));
            Compatibility.check(of("base", a, "models/b", b));
        }
    }

    @Test
    void missingAndExtraTensorsAreNamed() {
        try (var base = model("a", s(1), "b", s(1), "c", s(1), "d", s(1), "e", s(1));
                var other = model("a", s(1), "z", s(1))) {
            assertEquals(List.of("models/x does not have the tensors of base: it lacks 4 tensors (b, c, d, ...)"
                    + " and has 1 tensor (z) that base lacks"), Compatibility.problems(of("base", base, "models/x", other)));
        }
        try (var base = model("a", s(1)); var other = model("a", s(1), "lm_head.weight", s(1))) {
            assertEquals(List.of("m does not have the tensors of base: it has 1 tensor (lm_head.weight) that base lacks"),
                    Compatibility.problems(of("base", base, "m", other)));
        }
    }

    @Test
    void vocabularyMismatchIsExplained() {
        try (var base = model("model.embed_tokens.weight", s(32000, 4), "lm_head.weight", s(32000, 4));
                var other = model("model.embed_tokens.weight", s(32002, 4), "lm_head.weight", s(32002, 4))) {
            UserError e = assertThrows(UserError.class, () -> Compatibility.check(of("base", base, "models/a", other)));
            assertEquals("models/a has 32002 rows in model.embed_tokens.weight but base has 32000: different"
                    + " tokenizers/vocabularies; merge models that share a tokenizer", e.getMessage());
            assertEquals(1, Compatibility.problems(of("base", base, "models/a", other)).size());
        }
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapes() {
        try (var base = model("model.embed_tokens.weight", s(8, 4), "model.layers.0.mlp.up_proj.weight", s(16, 4),
                "model.layers.0.mlp.down_proj.weight", s(4, 16));
                var other = model("model.embed_tokens.weight", s(8, 6), "model.layers.0.mlp.up_proj.weight", s(16, 6),
                "model.layers.0.mlp.down_proj.weight", s(6, 16))) {
            assertEquals(List.of("model.embed_tokens.weight has shape [8, 6] in b but [8, 4] in a (and 2 more tensors"
                    + " differ in shape): the models have different dimensions"),
                    Compatibility.problems(of("a", base, "b", other)));
        }
    }

    @Test
    void architecturesOfCheckpointsAreCompared() {
        SyntheticCheckpoints.Dims d = SyntheticCheckpoints.Dims.tiny();
        Path llama = SyntheticCheckpoints.Model.base(d, DType.BF16, 1).write(tmp.resolve("llama"), Long.MAX_VALUE, 1);
        Path qwenDims = SyntheticCheckpoints.Model.base(new SyntheticCheckpoints.Dims(64, 16, 32, 2, 4, 2, false, true),
                DType.BF16, 1).write(tmp.resolve("qwen"), Long.MAX_VALUE, 1);
        try (Checkpoint a = Checkpoint.open(llama); Checkpoint b = Checkpoint.open(qwenDims)) {
            List<String> p = Compatibility.problems(of("base", a, "models/qwen", b));
            assertEquals("models/qwen is a Qwen2ForCausalLM but base is a LlamaForCausalLM: only models of one"
                    + " architecture can be merged", p.get(0));
            assertEquals("models/qwen does not have the tensors of base: it has 6 tensors"
                    + " (model.layers.0.self_attn.q_proj.bias, model.layers.0.self_attn.k_proj.bias,"
                    + " model.layers.0.self_attn.v_proj.bias, ...) that base lacks", p.get(1));
        }
    }
}
