package dev.evomerge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.SafetensorsFile;
import dev.evomerge.checkpoint.SyntheticCheckpoints;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.cli.CommandRun;
import dev.evomerge.eval.Suite;
import dev.evomerge.eval.TestFiles;
import dev.evomerge.gate.GateFile;
import dev.evomerge.merge.recipe.RecipeParser;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of every input file evomerge reads: each mutant is accepted or refused with a
 * {@link UserError}; no other exception, and a refused merge leaves no output behind. The seeds are fixed, so a
 * failure reproduces; the failing input is printed.
 */
class InputFuzzTest {
    private static final long SEED = 20261206L;
    private static final String[] TOKENS = {".nan", ".inf", "-.inf", "-1", "0", "1e308", "-1e308", "2147483648",
        "9223372036854775808", "99999999999999999999", "[]", "{}", "null", "~", "x", "''", "\"\\u0000\"", "[[[[",
        "{a: {b: {c: 1}}}", "true", "1.5", "&a [*a]", "!!binary AAAA"};
    private static final String[] DTYPES = {"F32", "BF16", "F16", "F64", "I8", "U8", "I64", "BOOL", "F8_E4M3", "f32",
        "", "F32 "};
    private static final String JUNK = "{}[]:,-'\"\t #&*!|>\n\u00e9\u0001";
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");

    @TempDir
    Path dir;

    @Test
    void mutatedSafetensorsHeadersAreRefusedWithUserErrorsOnly() throws IOException {
        Path good = dir.resolve("good");
        try (InMemoryTensors t = new InMemoryTensors()) {
            t.putF32("model.embed_tokens.weight", new long[] {4, 3}, floats(12));
            t.putF32("model.layers.0.mlp.up_proj.weight", new long[] {3, 2}, floats(6));
            t.putF32("model.norm.weight", new long[] {3}, floats(3));
            SyntheticCheckpoints.writeTensors(good, t, DType.BF16, null);
        }
        byte[] original = Files.readAllBytes(good.resolve("model.safetensors"));
        int headerLen = (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(original, 8, headerLen, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(original, 8 + headerLen, original.length);
        Random r = new Random(SEED);
        Path file = dir.resolve("fuzz.safetensors");
        int accepted = 0;
        for (int i = 0; i < 400; i++) {
            byte[] mutant = mutateSafetensors(r, original, header, data);
            Files.write(file, mutant);
            String what = "case " + i + ": " + describe(mutant);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String n : f.names()) {
                    TensorInfo info = f.info(n);
                    assertEquals(info.byteSize(), f.bytes(n).byteSize(), what);
                }
                accepted++;
            } catch (UserError e) {
                assertOneLine(e, what);
            } catch (RuntimeException | Error e) {
                fail(what + " threw " + e, e);
            }
        }
        assertFalse(accepted == 400, "every mutant was accepted: the mutations do nothing");
    }

    @Test
    void mergesOfMutatedSourcesFailCleanlyAndLeaveNoOutput() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (InMemoryTensors t = new InMemoryTensors()) {
            t.putF32("model.layers.0.mlp.up_proj.weight", new long[] {4, 2}, floats(8));
            t.putF32("model.norm.weight", new long[] {4}, floats(4));
            SyntheticCheckpoints.writeTensors(a, t, DType.F32, null);
            SyntheticCheckpoints.writeTensors(b, t, DType.F32, null);
        }
        byte[] original = Files.readAllBytes(b.resolve("model.safetensors"));
        int headerLen = (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(original, 8, headerLen, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(original, 8 + headerLen, original.length);
        Path recipe = TestFiles.write(dir.resolve("r.yaml"),
                "merge_method: linear\nmodels:\n  - model: a\n  - model: b\n");
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 40; i++) {
            byte[] mutant = mutateSafetensors(r, original, header, data);
            Files.write(b.resolve("model.safetensors"), mutant);
            Path out = dir.resolve("out" + i);
            CommandRun run = CommandRun.main("merge", recipe.toString(), out.toString(), "-q");
            String what = "case " + i + ": " + describe(mutant) + " -> " + run.err();
            if (run.exit() != 0) {
                assertEquals(UserError.EXIT_CODE, run.exit(), what);
                assertEquals(1, run.err().strip().lines().count(), what);
                assertFalse(Files.exists(out), what);
            }
        }
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp")).toList(),
                    "no temporary directories are left behind");
        }
    }

    @Test
    void mutatedRecipesSuitesSpacesAndGatesAreRefusedWithUserErrorsOnly() throws IOException {
        Path suite = TestFiles.copyExamples(dir.resolve("ex"));
        String suiteText = Files.readString(suite);
        String gatesText = Files.readString(suite.resolveSibling("toy-gates.yaml"));
        String recipeText = """
                merge_method: ties
                base_model: base
                dtype: bfloat16
                parameters: {normalize: true, int8_mask: true}
                models:
                  - model: a
                    parameters: {weight: [0, 0.5, 1], density: 0.5}
                  - model: b
                    parameters:
                      weight: [{filter: mlp, value: 0.3}, {value: 0.7}]
                      density: 0.7
                """;
        String spaceText = """
                format: evomerge-search-space
                version: 1
                base: models/base
                sources: {a: models/a, b: models/b}
                layers: 4
                method: [ties, task_arithmetic]
                parameters:
                  weight: {range: [0, 1], granularity: per_layer}
                  density: [0.2, 0.9]
                fixed: {normalize: true, seed: 1, dtype: bfloat16}
                dfs: {sources: [merged, a], repeats: 2, scale: [0.5, 1.5]}
                objective: {weights: {arith: 2, capitals: 1}}
                """;
        Random r = new Random(SEED + 2);
        fuzzText(r, recipeText, 150, text -> RecipeParser.parse(text, "recipe.yaml"));
        fuzzText(r, recipeText, 20, text -> RecipeParser.parse(write(dir.resolve("r.yaml"), text)));
        fuzzText(r, suiteText, 120, text -> Suite.load(write(suite, text)));
        fuzzText(r, gatesText, 120, text -> GateFile.load(write(suite.resolveSibling("g.yaml"), text)));
        fuzzText(r, spaceText, 120, text -> SearchSpaces.load(write(dir.resolve("space.yaml"), text)));
    }

    private static Path write(Path file, String text) {
        try {
            if (text.startsWith("\u0000BIN")) {
                byte[] b = new byte[text.length()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) text.charAt(i);
                }
                return Files.write(file, b);
            }
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void fuzzText(Random r, String original, int cases, Consumer<String> load) {
        for (int i = 0; i < cases; i++) {
            String mutant = mutateText(r, original);
            String what = "mutant:\n" + mutant;
            try {
                load.accept(mutant);
            } catch (UserError e) {
                assertOneLine(e, what);
            } catch (RuntimeException | Error e) {
                fail(what + "\nthrew " + e, e);
            }
        }
    }

    private static String mutateText(Random r, String s) {
        int rounds = 1 + r.nextInt(3);
        for (int k = 0; k < rounds; k++) {
            int at = s.isEmpty() ? 0 : r.nextInt(s.length());
            switch (r.nextInt(7)) {
                case 0 -> { // delete a span
                    int end = Math.min(s.length(), at + 1 + r.nextInt(20));
                    s = s.substring(0, at) + s.substring(end);
                }
                case 1 -> { // replace a scalar after a colon or comma with a hostile token
                    int c = s.indexOf(':', at);
                    if (c >= 0) {
                        int end = c + 1;
                        while (end < s.length() && ",}\n]".indexOf(s.charAt(end)) < 0) {
                            end++;
                        }
                        s = s.substring(0, c + 1) + " " + TOKENS[r.nextInt(TOKENS.length)] + s.substring(end);
                    }
                }
                case 2 -> { // duplicate a line
                    List<String> lines = new ArrayList<>(s.lines().toList());
                    if (!lines.isEmpty()) {
                        int l = r.nextInt(lines.size());
                        lines.add(l, lines.get(l));
                    }
                    s = String.join("\n", lines) + "\n";
                }
                case 3 -> { // change a number
                    Matcher m = NUMBER.matcher(s);
                    List<int[]> spans = new ArrayList<>();
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (!spans.isEmpty()) {
                        int[] sp = spans.get(r.nextInt(spans.size()));
                        s = s.substring(0, sp[0]) + TOKENS[r.nextInt(TOKENS.length)] + s.substring(sp[1]);
                    }
                }
                case 4 -> { // insert random characters
                    StringBuilder junk = new StringBuilder();
                    for (int j = r.nextInt(6); j >= 0; j--) {
                        junk.append(JUNK.charAt(r.nextInt(JUNK.length())));
                    }
                    s = s.substring(0, at) + junk + s.substring(at);
                }
                case 5 -> { // swap indentation of a line
                    List<String> lines = new ArrayList<>(s.lines().toList());
                    if (!lines.isEmpty()) {
                        int l = r.nextInt(lines.size());
                        String line = lines.get(l);
                        lines.set(l, line.startsWith("  ") ? line.substring(2) : "  " + line);
                    }
                    s = String.join("\n", lines) + "\n";
                }
                default -> { // binary garbage (written as raw bytes where a file is read)
                    StringBuilder b = new StringBuilder("\u0000BIN");
                    for (int j = 0; j < 32; j++) {
                        b.append((char) r.nextInt(256));
                    }
                    return b.toString();
                }
            }
        }
        return s;
    }

    private static byte[] mutateSafetensors(Random r, byte[] original, String header, byte[] data) {
        String h = header;
        long len = -1;
        byte[] body = data;
        switch (r.nextInt(8)) {
            case 0 -> len = header.length() + r.nextInt(33) - 16; // header length off by a little
            case 1 -> len = r.nextLong(); // header length anything
            case 2 -> { // an offset or dimension changed
                Matcher m = NUMBER.matcher(h);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                int[] sp = spans.get(r.nextInt(spans.size()));
                String v = switch (r.nextInt(4)) {
                    case 0 -> String.valueOf(Long.parseLong(h.substring(sp[0], sp[1])) + r.nextInt(9) - 4);
                    case 1 -> String.valueOf(r.nextInt());
                    case 2 -> "9223372036854775807";
                    default -> "1" + "0".repeat(r.nextInt(30));
                };
                h = h.substring(0, sp[0]) + v + h.substring(sp[1]);
            }
            case 3 -> h = h.replaceFirst("\"BF16\"", "\"" + DTYPES[r.nextInt(DTYPES.length)] + "\"");
            case 4 -> { // a shape of huge rank
                int rank = 1 + r.nextInt(100_000);
                h = h.replaceFirst("\"shape\":\\[[0-9,]*\\]", "\"shape\":[" + "1,".repeat(rank - 1) + "1]");
            }
            case 5 -> { // JSON cut or spliced
                int at = r.nextInt(h.length());
                h = r.nextBoolean() ? h.substring(0, at) : h.substring(0, at) + TOKENS[r.nextInt(TOKENS.length)]
                        + h.substring(at);
            }
            case 6 -> { // data area truncated or extended
                body = Arrays.copyOf(data, Math.max(0, data.length + r.nextInt(17) - 8));
            }
            default -> { // random bytes flipped anywhere
                byte[] b = original.clone();
                for (int j = 1 + r.nextInt(4); j > 0; j--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
        }
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + hb.length + body.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(len >= 0 || len < -1 ? len : hb.length).put(hb).put(body);
        return out.array();
    }

    private static void assertOneLine(UserError e, String what) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.contains("\n") || m.length() > 2000) {
            fail(what + "\nUserError is not one short line (" + (m == null ? 0 : m.length()) + " chars): "
                    + (m == null ? null : m.substring(0, Math.min(300, m.length()))));
        }
    }

    private static String describe(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 400), StandardCharsets.ISO_8859_1);
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (i - n / 2f) / n;
        }
        return f;
    }
}
