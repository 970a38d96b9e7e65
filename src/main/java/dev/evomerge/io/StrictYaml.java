package dev.evomerge.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict YAML, as every file format evomerge reads takes it: duplicate keys refused, and a refusal said in one line.
 * Suites, gate files and search spaces are read with {@link #read}; recipes (anchors, aliases and merge keys as
 * mergekit's loader takes them) parse over {@link #factory} and say their errors with {@link #reason}.
 */
public final class StrictYaml {
    private static final Pattern MALFORMED = Pattern.compile("Malformed numeric value '([^']*)'");

    private StrictYaml() {
    }

    /** A YAML parser factory that refuses a key given twice in one mapping. */
    public static YAMLFactory factory() {
        YAMLFactory factory = new YAMLFactory();
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return factory;
    }

    /** Parses a YAML file (JSON is YAML too) with duplicate keys refused. */
    public static JsonNode read(Path file) {
        return read(file, null);
    }

    /** Parses {@code content} (or, when null, the file's bytes) as YAML; {@code file} names it in errors. */
    public static JsonNode read(Path file, byte[] content) {
        ObjectMapper yaml = new ObjectMapper(factory());
        try {
            JsonNode root = yaml.readTree(content != null ? content : Files.readAllBytes(file));
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new UserError(file + " is empty");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw new UserError(file + " does not exist");
        } catch (JsonProcessingException e) {
            String why = reason(e);
            String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
            if (why.startsWith("value '")) {
                throw new UserError(file + line + ": " + why);
            }
            throw new UserError(file + " is not valid YAML: " + why + line);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Why {@code e} refused the document, in one line. YAML's {@code .nan} and {@code .inf} are valid YAML that the
     * parser reports as "malformed numbers"; they are named as what they are, since no evomerge field takes them.
     */
    public static String reason(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        Matcher m = MALFORMED.matcher(original);
        if (m.find()) {
            String v = m.group(1);
            String lower = v.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".nan") || lower.endsWith(".inf")) {
                return "value '" + v + "' is " + (lower.endsWith(".nan") ? "NaN" : "infinite")
                        + ", but numbers must be finite";
            }
            return "value '" + v + "' is not a valid number";
        }
        String first = original.lines().findFirst().orElse("syntax error");
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }
}
