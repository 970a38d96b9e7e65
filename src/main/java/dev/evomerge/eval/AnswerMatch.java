package dev.evomerge.eval;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a generated answer is compared with the target.
 *
 * <ul>
 *   <li>{@code exact}: equal after trimming surrounding whitespace;</li>
 *   <li>{@code normalized}: equal after SQuAD-style normalization (lower case, punctuation removed, the articles
 *       a/an/the removed, whitespace collapsed; Rajpurkar et al. 2016, the official evaluation script);</li>
 *   <li>{@code regex}: the answer is first extracted from the generation (the first or last match; group
 *       {@code group} when the pattern has groups, else the whole match; no match scores 0, like lm-eval's
 *       RegexFilter fallback), then compared exactly or normalized.</li>
 * </ul>
 * {@code ignore} patterns are deleted from both sides after extraction, and {@code ignoreCase} folds case: the same
 * order as lm-evaluation-harness's {@code exact_match} with {@code regexes_to_ignore} after its filters.
 */
public record AnswerMatch(Mode mode, Pattern pattern, int group, Select select, boolean normalizeExtracted,
        List<Pattern> ignore, boolean ignoreCase) {

    public enum Mode { EXACT, NORMALIZED, REGEX }

    public enum Select { FIRST, LAST }

    private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}\\p{S}]");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    public AnswerMatch {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(select, "select");
        ignore = List.copyOf(ignore);
        if (mode == Mode.REGEX) {
            Objects.requireNonNull(pattern, "pattern");
            if (group < 0 || group > pattern.matcher("").groupCount()) {
                throw new IllegalArgumentException("group must be in [0, " + pattern.matcher("").groupCount()
                        + "] for pattern " + pattern + ", but was " + group);
            }
        } else if (pattern != null) {
            throw new IllegalArgumentException("a pattern is only used in regex mode, but mode was " + mode);
        }
    }

    public static AnswerMatch exact() {
        return new AnswerMatch(Mode.EXACT, null, 0, Select.FIRST, false, List.of(), false);
    }

    public static AnswerMatch normalized() {
        return new AnswerMatch(Mode.NORMALIZED, null, 0, Select.FIRST, false, List.of(), false);
    }

    /** Regex extraction with the conventional group: 1 when the pattern has groups, else the whole match. */
    public static AnswerMatch regex(String pattern, Select select) {
        Pattern p = Pattern.compile(pattern);
        return new AnswerMatch(Mode.REGEX, p, p.matcher("").groupCount() > 0 ? 1 : 0, select, false, List.of(),
                false);
    }

    /** True when the generation counts as the target. */
    public boolean matches(String generation, String target) {
        String candidate = generation;
        boolean normalize = mode == Mode.NORMALIZED;
        if (mode == Mode.REGEX) {
            candidate = extract(generation);
            if (candidate == null) {
                return false;
            }
            normalize = normalizeExtracted;
        }
        String expected = target;
        for (Pattern p : ignore) {
            candidate = p.matcher(candidate).replaceAll("");
            expected = p.matcher(expected).replaceAll("");
        }
        if (ignoreCase) {
            candidate = candidate.toLowerCase(Locale.ROOT);
            expected = expected.toLowerCase(Locale.ROOT);
        }
        if (normalize) {
            return normalize(candidate).equals(normalize(expected));
        }
        return candidate.strip().equals(expected.strip());
    }

    /** The extracted answer, or null when the pattern does not match (regex mode only). */
    public String extract(String generation) {
        Matcher m = pattern.matcher(generation);
        String found = null;
        while (m.find()) {
            found = m.group(group);
            if (found == null) {
                found = "";
            }
            if (select == Select.FIRST) {
                break;
            }
        }
        return found;
    }

    /** SQuAD normalization: lower case, drop punctuation and symbols, drop articles, collapse whitespace. */
    public static String normalize(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        t = PUNCTUATION.matcher(t).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        return SPACES.matcher(t).replaceAll(" ").strip();
    }
}
