package dev.evomerge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.evomerge.bench.ModelBenchmark;
import dev.evomerge.model.ModelConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchModelCommandTest {
    @Test
    void tinyRunReportsThroughputAndUtilization() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new BenchModelCommand());
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute("--models", "tiny", "--batch", "2", "--seq-len", "16", "--iterations", "1", "--threads", "1");
        assertEquals(0, rc, out.toString());
        assertTrue(out.toString().contains("matmul ceiling"), out.toString());
        assertTrue(out.toString().matches("(?s).*tiny .*tokens/s.*MFU \\d\\.\\d\\d.*"), out.toString());
    }

    @Test
    void multipleChoiceReportsBothModesTheirRatioAndThatTheyAgree() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new BenchModelCommand());
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute("--multiple-choice", "--models", "tiny", "--questions", "2", "--context-words", "12",
                "--iterations", "1", "--threads", "1");
        assertEquals(0, rc, out.toString());
        String text = out.toString();
        assertTrue(text.matches("(?s).*per choice: +[\\d.]+ tokens/s.*shared: +[\\d.]+ tokens/s.*"), text);
        assertTrue(text.matches("(?s).*speed ratio shared / per choice: [\\d.]+x wall.*greedy flags identical.*"), text);
    }

    @Test
    void matmulParamsCountEveryLinearWeightOnce() {
        // 2 layers, h 4, 2 heads of 2, 1 kv head, f 6, vocab 10: per layer q,o 16 each, k,v 8 each, mlp 3*24 = 72.
        var json = JsonNodeFactory.instance.objectNode().put("model_type", "llama").put("vocab_size", 10)
                .put("hidden_size", 4).put("intermediate_size", 6).put("num_hidden_layers", 2)
                .put("num_attention_heads", 2).put("num_key_value_heads", 1);
        assertEquals(2 * (16 + 16 + 8 + 8 + 72) + 40, ModelBenchmark.matmulParams(ModelConfig.fromJson(json)));
    }

    @Test
    void unknownModelIsAUsageError() {
        CommandLine cl = new CommandLine(new BenchModelCommand());
        cl.setErr(new PrintWriter(new StringWriter()));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(2, cl.execute("--models", "huge", "--threads", "1"));
    }
}
