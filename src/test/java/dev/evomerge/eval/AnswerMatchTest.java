package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AnswerMatchTest {
    private static final String NUMBER = "(-?[0-9][0-9,]*(?:\\.[0-9]+)?)";

    @Test
    void exactTrimsWhitespaceOnly() {
        AnswerMatch m = AnswerMatch.exact();
        assertTrue(m.matches(" 42\n", "42"));
        assertFalse(m.matches("42.", "42"));
        assertFalse(m.matches("Paris", "paris"));
        assertTrue(m.matches("", ""));
    }

    @Test
    void normalizedFollowsSquad() {
        AnswerMatch m = AnswerMatch.normalized();
        assertEquals("cat sat", AnswerMatch.normalize("The  Cat, sat!"));
        assertTrue(m.matches("The Cat!", "cat"));
        assertTrue(m.matches("an Apple.", "apple"));
        assertTrue(m.matches("  New   York ", "new york"));
        assertFalse(m.matches("there", "here"), "articles are removed only as whole words");
        assertEquals("theory", AnswerMatch.normalize("Theory"));
        assertTrue(m.matches("¿Qué?", "qué"), "Unicode punctuation is removed too");
        assertFalse(m.matches("Paris France", "paris"));
    }

    @Test
    void regexTakesFirstOrLastMatchAndItsGroup() {
        AnswerMatch last = AnswerMatch.regex(NUMBER, AnswerMatch.Select.LAST);
        AnswerMatch first = AnswerMatch.regex(NUMBER, AnswerMatch.Select.FIRST);
        String out = "3 apples and 4 pears make 7";
        assertEquals("7", last.extract(out));
        assertEquals("3", first.extract(out));
        assertTrue(last.matches(out, "7"));
        assertFalse(first.matches(out, "7"));
        assertTrue(last.matches("The answer is -5.", "-5"), "sign kept, trailing period not part of the number");
        assertTrue(last.matches("It is 2.50", "2.50"));
    }

    @Test
    void regexWithoutMatchScoresZero() {
        AnswerMatch m = AnswerMatch.regex(NUMBER, AnswerMatch.Select.LAST);
        assertNull(m.extract("no digits here"));
        assertFalse(m.matches("no digits here", "no digits here"));
    }

    @Test
    void regexWithoutGroupsUsesTheWholeMatch() {
        AnswerMatch m = AnswerMatch.regex("[A-D]\\b", AnswerMatch.Select.FIRST);
        assertEquals(0, m.group());
        assertTrue(m.matches("Answer: C because", "C"));
    }

    @Test
    void ignorePatternsApplyToBothSidesAfterExtraction() {
        AnswerMatch m = new AnswerMatch(AnswerMatch.Mode.REGEX, Pattern.compile(NUMBER), 1, AnswerMatch.Select.LAST,
                false, List.of(Pattern.compile(",")), false);
        assertTrue(m.matches("So the total is 1,500", "1500"));
        assertTrue(m.matches("So the total is 1500", "1,500"));
        assertFalse(AnswerMatch.regex(NUMBER, AnswerMatch.Select.LAST).matches("total 1,500", "1500"));
    }

    @Test
    void ignoreCaseAndNormalizedComparisonAfterExtraction() {
        AnswerMatch caseless = new AnswerMatch(AnswerMatch.Mode.EXACT, null, 0, AnswerMatch.Select.FIRST, false,
                List.of(), true);
        assertTrue(caseless.matches("PARIS", "paris"));
        AnswerMatch extractThenNormalize = new AnswerMatch(AnswerMatch.Mode.REGEX,
                Pattern.compile("answer:(.*)$"), 1, AnswerMatch.Select.FIRST, true, List.of(), false);
        assertTrue(extractThenNormalize.matches("reasoning... answer: The Nile!", "nile"));
        assertFalse(extractThenNormalize.matches("the nile", "nile"), "no match, no score");
    }
}
