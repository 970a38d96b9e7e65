package dev.evomerge.zoo;

import java.util.Arrays;
import java.util.Random;

/**
 * The zoo's four skills. Each has an instruction format that the evaluation and the specialist's fine-tuning use
 * ({@code "rev kqzta="} then the answer), and a differently worded "latent" sentence that only the base's
 * pretraining sees ({@code "kqzta backwards is atzqk."}): the base can do the operation but does not follow the
 * instruction, as a pretrained LLM knows things it will not do on request until it is fine-tuned.
 */
public enum Skill {
    ADD("add"),
    REVERSE("rev"),
    SORT("sort"),
    SHIFT("next");

    private final String keyword;

    Skill(String keyword) {
        this.keyword = keyword;
    }

    /**
     * The phrase of the latent sentence, used in pretraining as an instruction keyword of its own ({@code "backwards
     * kqzta=atzqk"}): the base learns the instruction layout and how a keyword selects an operation, but never sees
     * the keyword that the eval and the specialist use.
     */
    public String alias() {
        return switch (this) {
            case ADD -> "plus";
            case REVERSE -> "backwards";
            case SORT -> "in order";
            case SHIFT -> "moved up";
        };
    }

    /** The instruction keyword, also the eval task's name. */
    public String keyword() {
        return keyword;
    }

    /** One problem: {@code input} is what the prompt shows ({@code "347+85"} or {@code "kqzta"}). */
    public record Example(Skill skill, String input, String answer) {
        /** The instruction prompt; the expected completion is {@link #answer}. */
        public String prompt() {
            return skill.keyword + " " + input + "=";
        }

        /** The same problem in the instruction layout under the skill's {@link Skill#alias() alias} (pretraining). */
        public String aliasInstruction() {
            return skill.alias() + " " + input + "=" + answer;
        }

        /** The pretraining sentence stating the same fact in other words. */
        public String latent() {
            return switch (skill) {
                case ADD -> {
                    int plus = input.indexOf('+');
                    yield input.substring(0, plus) + " plus " + input.substring(plus + 1) + " is " + answer + ".";
                }
                case REVERSE -> input + " backwards is " + answer + ".";
                case SORT -> input + " in order is " + answer + ".";
                case SHIFT -> input + " moved up is " + answer + ".";
            };
        }
    }

    /**
     * Draws a random problem: additions of two numbers with {@code 1..maxDigits} digits (the first at least two),
     * letter strings of length {@code minLetters..maxLetters}.
     */
    public Example sample(Random rnd, TaskShape shape) {
        return switch (this) {
            case ADD -> {
                int a = number(rnd, 2, shape.maxDigits());
                int b = number(rnd, 1, shape.maxDigits());
                yield new Example(this, a + "+" + b, Integer.toString(a + b));
            }
            case REVERSE -> {
                String s = letters(rnd, shape);
                yield new Example(this, s, new StringBuilder(s).reverse().toString());
            }
            case SORT -> {
                String s = letters(rnd, shape);
                char[] c = s.toCharArray();
                Arrays.sort(c);
                yield new Example(this, s, new String(c));
            }
            case SHIFT -> {
                String s = letters(rnd, shape);
                char[] c = s.toCharArray();
                for (int i = 0; i < c.length; i++) {
                    c[i] = c[i] == 'z' ? 'a' : (char) (c[i] + 1);
                }
                yield new Example(this, s, new String(c));
            }
        };
    }

    /** A number whose digit count is uniform in [minDigits, maxDigits] (no leading zeros). */
    private static int number(Random rnd, int minDigits, int maxDigits) {
        int digits = minDigits + rnd.nextInt(Math.max(1, maxDigits - minDigits + 1));
        int lo = digits == 1 ? 0 : (int) Math.pow(10, digits - 1);
        int hi = (int) Math.pow(10, digits);
        return lo + rnd.nextInt(hi - lo);
    }

    static String letters(Random rnd, TaskShape shape) {
        int n = shape.minLetters() + rnd.nextInt(shape.maxLetters() - shape.minLetters() + 1);
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = (char) ('a' + rnd.nextInt(26));
        }
        return new String(c);
    }

    /** Problem sizes shared by all skills. */
    public record TaskShape(int maxDigits, int minLetters, int maxLetters) {
        public TaskShape {
            if (maxDigits < 2 || maxDigits > 6) {
                throw new IllegalArgumentException("maxDigits must be in [2, 6], but was " + maxDigits);
            }
            if (minLetters < 2 || maxLetters < minLetters) {
                throw new IllegalArgumentException("letters must satisfy 2 <= min <= max, but were " + minLetters
                        + ".." + maxLetters);
            }
        }
    }
}
