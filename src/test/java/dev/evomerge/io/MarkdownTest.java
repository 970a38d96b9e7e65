package dev.evomerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownTest {
    @Test
    void rowsAndRuleAsTheRunFilesWriteThem() {
        StringBuilder md = new StringBuilder();
        Markdown.row(md, List.of("task", "search"));
        Markdown.rule(md, List.of(false, true));
        Markdown.row(md, List.of("add", ""));
        assertEquals("| task | search |\n|---|---:|\n| add |  |\n", md.toString());
    }

    @Test
    void noColumnsIsAnEmptyRow() {
        assertEquals("|\n|\n", Markdown.rule(Markdown.row(new StringBuilder(), List.of()), List.of()).toString());
    }
}
