package dev.evomerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.model.LanguageModel.Generation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model without a tokenizer, or with one that does not fit its vocabulary, is one clear line, not a crash. */
class TokenizerMismatchTest {
    @TempDir
    Path dir;

    @Test
    void aTokenizerIdBeyondVocabSizeNamesTheFileAndTheId() throws IOException {
        ObjectNode json = TinyModels.llamaJson();
        json.put("vocab_size", 40);
        ModelConfig config = ModelConfig.fromJson(json);
        try (InMemoryTensors weights = TinyModels.random(config, 3, DType.F32);
                TextTokenizer tok = TextTokenizer.load(TinyModels.writeCharTokenizer(dir));
                LlamaModel model = LlamaModel.fromTensors(config, weights, tok, LlamaModelTest.opts())) {
            UserError e = assertThrows(UserError.class, () -> model.generate(List.of("~"), new Generation(1,
                    List.of())));
            assertEquals(dir.resolve("tokenizer.json") + ": token id 98 is outside the model's vocabulary [0, 40) of"
                    + " config.json; the tokenizer does not belong to this model", e.getMessage());
        }
    }

    @Test
    void scoringTextWithoutATokenizerIsAUserError() {
        ModelConfig config = ModelConfig.fromJson(TinyModels.llamaJson());
        try (InMemoryTensors weights = TinyModels.random(config, 3, DType.F32);
                LlamaModel model = LlamaModel.fromTensors(config, weights, null, LlamaModelTest.opts())) {
            UserError e = assertThrows(UserError.class, () -> model.generate(List.of("a"), new Generation(1,
                    List.of())));
            assertTrue(e.getMessage().contains("no tokenizer.json"), e.getMessage());
        }
    }
}
