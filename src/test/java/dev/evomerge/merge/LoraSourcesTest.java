package dev.evomerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.SafetensorsFile;
import dev.evomerge.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * mergekit's {@code base+adapter} sources through {@code evomerge merge}, against the float64 goldens of
 * {@code checkpoint/lora/make_goldens.py}: as models, as slice sources and as the base model.
 */
class LoraSourcesTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        try {
            return Path.of(LoraSourcesTest.class.getResource("/dev/evomerge/checkpoint/lora/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Run(int exit, String err) {
    }

    private Run merge(String yaml, String out) throws IOException {
        Path recipe = tmp.resolve(out + ".yaml");
        Files.writeString(recipe, yaml);
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute("merge", recipe.toString(), tmp.resolve(out).toString()), err.toString());
    }

    /** The golden of {@code adapter} for {@code name}, or the base's tensor where the adapter leaves it. */
    private static double[] golden(String adapter, String name) {
        try (SafetensorsFile e = SafetensorsFile.open(fixture(adapter).resolve("expected.safetensors"));
             Checkpoint base = Checkpoint.open(fixture("base"))) {
            if (e.contains(name)) {
                return e.bytes(name).toArray(ValueLayout.JAVA_DOUBLE);
            }
            float[] f = base.readFloats(name);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }

    @Test
    void linearOfTwoAdaptersOnOneBaseAveragesTheirFolds() throws IOException {
        String base = fixture("base").toString();
        Run r = merge("merge_method: linear\nmodels:\n"
                + "  - model: " + base + "+" + fixture("r4") + "\n    parameters: {weight: 0.5}\n"
                + "  - model: " + base + "+" + fixture("r8-rslora") + "\n    parameters: {weight: 0.5}\n"
                + "dtype: float32\n", "linear");
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint out = Checkpoint.open(tmp.resolve("linear"))) {
            for (String name : out.names()) {
                double[] a = golden("r4", name);
                double[] b = golden("r8-rslora", name);
                float[] got = out.readFloats(name);
                for (int i = 0; i < got.length; i++) {
                    double want = 0.5 * a[i] + 0.5 * b[i];
                    assertEquals(want, got[i], 4e-6 + 2e-6 * Math.abs(want), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void adaptersWorkAsSliceSourcesAndAsTheBaseModel() throws IOException {
        String base = fixture("base").toString();
        String r4 = base + "+" + fixture("r4");
        String r8 = base + "+" + fixture("r8-rslora");
        Run r = merge("merge_method: task_arithmetic\nbase_model: " + r4 + "\nslices:\n"
                + "  - sources:\n"
                + "      - {model: " + r4 + ", layer_range: [0, 1]}\n"
                + "      - {model: " + r8 + ", layer_range: [0, 1], parameters: {weight: 1.0}}\n"
                + "dtype: float32\n", "ta");
        assertEquals(0, r.exit(), r.err());
        try (Checkpoint out = Checkpoint.open(tmp.resolve("ta"))) {
            String q = "model.layers.0.self_attn.q_proj.weight";
            double[] want = golden("r8-rslora", q);
            float[] got = out.readFloats(q);
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 4e-6 + 2e-6 * Math.abs(want[i]), q + "[" + i + "]");
            }
        }
    }

    @Test
    void aBadAdapterIsOneLineExit3AndNothingIsWritten() throws IOException {
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(fixture("r4").resolve("adapter_model.safetensors"), bad.resolve("adapter_model.safetensors"));
        Files.writeString(bad.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 4, \"use_dora\": true}");
        Run r = merge("merge_method: linear\nmodels:\n  - model: " + fixture("base") + "+" + bad
                + "\n    parameters: {weight: 1}\n", "bad-out");
        assertEquals(3, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("use_dora is true"), r.err());
        assertFalse(Files.exists(tmp.resolve("bad-out")));
        Run missing = merge("merge_method: linear\nmodels:\n  - model: " + fixture("base") + "+" + tmp.resolve("none")
                + "\n    parameters: {weight: 1}\n", "missing-out");
        assertEquals(3, missing.exit(), missing.err());
        assertTrue(missing.err().contains("LoRA adapter of '"), missing.err());
    }
}
