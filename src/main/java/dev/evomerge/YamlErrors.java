package dev.evomerge;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The one-line reason a YAML document was refused, shared by every file format evomerge reads. */
public final class YamlErrors {
    private static final Pattern MALFORMED = Pattern.compile("Malformed numeric value '([^']*)'");

    private YamlErrors() {
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
