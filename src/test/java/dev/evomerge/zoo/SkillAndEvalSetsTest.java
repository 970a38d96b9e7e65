package dev.evomerge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.model.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillAndEvalSetsTest {
    private static final Skill.TaskShape SHAPE = new Skill.TaskShape(3, 4, 7);

    @Test
    void promptsAnswersAndLatentSentences() {
        Skill.Example add = new Skill.Example(Skill.ADD, "347+85", "432");
        assertEquals("add 347+85=", add.prompt());
        assertEquals("347 plus 85 is 432.", add.latent());
        assertEquals("kqzta backwards is atzqk.", new Skill.Example(Skill.REVERSE, "kqzta", "atzqk").latent());
        assertEquals("sort dcab=", new Skill.Example(Skill.SORT, "dcab", "abcd").prompt());
    }

    @Test
    void sampledAnswersAreRight() {
        Random rnd = new Random(1);
        for (int i = 0; i < 500; i++) {
            Skill.Example a = Skill.ADD.sample(rnd, SHAPE);
            String[] ab = a.input().split("\\+");
            assertEquals(Integer.parseInt(ab[0]) + Integer.parseInt(ab[1]), Integer.parseInt(a.answer()));
            assertTrue(ab[0].length() >= 2 && ab[0].length() <= 3 && ab[1].length() <= 3, a.input());
            Skill.Example r = Skill.REVERSE.sample(rnd, SHAPE);
            assertEquals(new StringBuilder(r.input()).reverse().toString(), r.answer());
            assertTrue(r.input().length() >= 4 && r.input().length() <= 7, r.input());
            Skill.Example s = Skill.SORT.sample(rnd, SHAPE);
            char[] c = s.input().toCharArray();
            java.util.Arrays.sort(c);
            assertEquals(new String(c), s.answer());
        }
        assertEquals("abza", shift("zayz"));
    }

    private static String shift(String s) {
        // Find a sample with this input by construction: SHIFT maps each letter to the next, z to a.
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            sb.append(ch == 'z' ? 'a' : (char) (ch + 1));
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 200; i++) {
            Skill.Example e = Skill.SHIFT.sample(rnd, SHAPE);
            StringBuilder want = new StringBuilder();
            for (char ch : e.input().toCharArray()) {
                want.append((char) ('a' + (ch - 'a' + 1) % 26));
            }
            assertEquals(want.toString(), e.answer());
        }
        return sb.toString();
    }

    @Test
    void slicesAreDisjointDistinctAndNeverTrainedOn() {
        EvalSets e = EvalSets.generate(SHAPE, 100, 42);
        for (Skill s : Skill.values()) {
            Set<String> search = new HashSet<>();
            e.search(s).forEach(x -> search.add(x.input()));
            Set<String> held = new HashSet<>();
            e.heldout(s).forEach(x -> held.add(x.input()));
            assertEquals(100, search.size());
            assertEquals(100, held.size());
            search.retainAll(held);
            assertTrue(search.isEmpty(), "slices share " + search);
            Random rnd = new Random(3);
            for (int i = 0; i < 20_000; i++) {
                assertFalse(e.isReserved(s, e.trainingSample(s, rnd).input()));
            }
        }
        assertEquals(EvalSets.generate(SHAPE, 100, 42).heldout(Skill.SORT), e.heldout(Skill.SORT));
        assertTrue(!EvalSets.generate(SHAPE, 100, 43).heldout(Skill.SORT).equals(e.heldout(Skill.SORT)));
    }

    @Test
    void suiteFilesAreWritten(@TempDir Path dir) throws Exception {
        EvalSets.generate(SHAPE, 5, 1).writeSuite(dir);
        String yaml = Files.readString(dir.resolve("zoo.yaml"));
        assertTrue(yaml.contains("format: evomerge-eval-suite") && yaml.contains("prompt: \"rev {input}=\""), yaml);
        List<String> lines = Files.readAllLines(dir.resolve("zoo/add-heldout.jsonl"));
        assertEquals(5, lines.size());
        assertTrue(lines.get(0).startsWith("{\"id\":\"add-heldout-0\",\"input\":"), lines.get(0));
    }

    @Test
    void theRuntimeTokenizerAgreesWithTheTrainingOne(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.json"), CharTokenizer.tokenizerJson());
        String text = "add 347+85=432 sort dcab=abcd ~!";
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            assertArrayEquals(CharTokenizer.encode(text), tok.encode(text));
            assertEquals(text, tok.decode(CharTokenizer.encode(text)));
        }
        assertEquals(text, CharTokenizer.decode(CharTokenizer.encode(text)));
        assertEquals(99, CharTokenizer.VOCAB_SIZE);
    }
}
