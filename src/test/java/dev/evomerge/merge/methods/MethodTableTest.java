package dev.evomerge.merge.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/merging.md's method table says what the registry declares: names, base-model use, parameters, defaults. */
class MethodTableTest {
    private static final Pattern PARAM = Pattern.compile("`([a-z0-9_]+)`(?: \\(required\\)|=(\\S+))");

    @Test
    void docsTableMatchesTheRegistry() throws IOException {
        Map<String, String[]> rows = table(Files.readString(Path.of("docs/merging.md")));
        assertEquals(MergeMethods.names(), List.copyOf(rows.keySet()), "methods in docs/merging.md's table");
        for (String name : MergeMethods.names()) {
            MergeMethod m = MergeMethods.get(name);
            String[] row = rows.get(name);
            String use = switch (m.baseModelUse()) {
                case NONE -> "not used";
                case OPTIONAL -> "optional";
                case REQUIRED -> "required";
            };
            assertTrue(row[1].startsWith(use), name + ": base model column '" + row[1] + "' should start with " + use);
            assertEquals(declared(m.modelParams()), row[2], name + ": per-model parameters");
            assertEquals(declared(m.globalParams()), row[3], name + ": method-wide parameters");
        }
    }

    /** The table's rows by method name: the cells of each, trimmed. */
    private static Map<String, String[]> table(String doc) {
        int start = doc.indexOf("| method | base model |");
        assertTrue(start >= 0, "docs/merging.md has no method table");
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : doc.substring(start).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.substring(1).split("\\|", -1);
            for (int i = 0; i < cells.length; i++) {
                cells[i] = cells[i].trim();
            }
            if (!cells[0].startsWith("`")) {
                continue;
            }
            String name = cells[0].replace("`", "");
            cells[2] = normalized(cells[2]);
            cells[3] = normalized(cells[3]);
            rows.put(name, cells);
        }
        return rows;
    }

    /** The parameters a cell names, as "name=default" or "name (required)", space-separated. */
    private static String normalized(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = PARAM.matcher(cell);
        while (m.find()) {
            String v = m.group(2);
            out.add(v == null ? m.group(1) + " (required)"
                    : m.group(1) + "=" + (v.matches("[-+0-9.eE]+") ? number(Double.parseDouble(v)) : v));
        }
        return sorted(out);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String sorted(List<String> params) {
        return String.join(" ", params.stream().sorted().toList());
    }

    private static String declared(List<Param> params) {
        List<String> out = new ArrayList<>();
        for (Param p : params) {
            if (p.required()) {
                out.add(p.name() + " (required)");
            } else if (p.type() == ParamType.CHOICE) {
                out.add(p.name() + "=" + p.choices().get((int) p.defaultValue()));
            } else if (p.type() == ParamType.BOOLEAN) {
                out.add(p.name() + "=" + (p.defaultValue() != 0));
            } else {
                out.add(p.name() + "=" + number(p.defaultValue()));
            }
        }
        return sorted(out);
    }
}
