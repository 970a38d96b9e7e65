package dev.evomerge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Rules of docs/architecture.md that a scan of the sources can check. */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/evomerge");
    private static final Path CLI = MAIN.resolve("cli");
    /** A command-line flag as a word of its own: {@code --budget}, not {@code ---} or {@code a--b}. */
    private static final Pattern FLAG = Pattern.compile("(?<![-\\w])--[a-z][a-z0-9-]*");

    /** Flag names live in {@code cli}: library messages name the field or concept, the CLI adds the flag. */
    @Test
    void noClassOutsideTheCliNamesACliFlagOrTheCliPackage() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.startsWith(CLI)).sorted().toList()) {
                for (String s : stringLiterals(Files.readString(f))) {
                    Matcher m = FLAG.matcher(s);
                    if (m.find() || s.contains("dev.evomerge.cli")) {
                        found.add(MAIN.relativize(f) + ": \"" + s + "\"");
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    /** Tooling ({@code bench}, {@code zoo}) sits apart from the product path: only the CLI imports it. */
    @Test
    void onlyTheCliImportsTheTooling() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.startsWith(CLI)).sorted().toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                Files.readString(f).lines()
                        .filter(l -> l.startsWith("import dev.evomerge.bench.") || l.startsWith("import dev.evomerge.zoo."))
                        .filter(l -> !l.startsWith("import dev.evomerge." + pkg + "."))
                        .forEach(l -> found.add(MAIN.relativize(f) + ": " + l));
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theScanFindsFlagsInStringsOnly() {
        assertEquals(List.of("use --resume", "a\\\"b", "--x", "--y\n"), stringLiterals(
                "// \"--no\" in a comment\n x = \"use --resume\" + 'c' + '\"' + \"a\\\"b\"; /* \"--no\" */ --i;"
                        + " f(\"--x\"); \"\"\"\n--y\n\"\"\";"));
        assertEquals(List.of("--resume"), FLAG.matcher("---: use --resume").results().map(r -> r.group()).toList());
    }

    /** The string literals (text blocks included) of Java source, as written between the quotes. */
    static List<String> stringLiterals(String src) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? src.length() : end + 1;
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int start = src.indexOf('\n', i) + 1;
                int end = src.indexOf("\"\"\"", start);
                out.add(src.substring(start, end));
                i = end + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (src.charAt(j) != c) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                if (c == '"') {
                    out.add(src.substring(i + 1, j));
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }
}
