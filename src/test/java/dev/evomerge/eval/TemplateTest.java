package dev.evomerge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TemplateTest {
    private static Example example(String json) throws Exception {
        return new Example("id:x", (ObjectNode) new ObjectMapper().readTree(json), Path.of("d.jsonl"), 7);
    }

    @Test
    void rendersFieldsAndEscapedBraces() throws Exception {
        Template t = Template.parse("Q: {question} {{literal}} n={ n }", "here");
        assertEquals(Set.of("question", "n"), t.fieldNames());
        assertEquals("Q: 2+2? {literal} n=3", t.render(example("{\"question\": \"2+2?\", \"n\": 3}"), "use"));
    }

    @Test
    void malformedTemplatesFailAtParse() {
        assertTrue(assertThrows(UserError.class, () -> Template.parse("a {b", "suite s, task 't', 'prompt'"))
                .getMessage().startsWith("suite s, task 't', 'prompt': unclosed '{'"));
        assertThrows(UserError.class, () -> Template.parse("a } b", "w"));
        assertThrows(UserError.class, () -> Template.parse("{not a name}", "w"));
    }

    @Test
    void missingFieldNamesTheFileLineAndUse() throws Exception {
        UserError e = assertThrows(UserError.class,
                () -> Template.parse("{answer}", "w").render(example("{\"q\": 1}"), "task 'arith' target"));
        assertEquals("d.jsonl line 7: example has no field 'answer' (used by task 'arith' target)", e.getMessage());
    }
}
