package dev.evomerge.search;

import dev.evomerge.eval.FakeModel;
import dev.evomerge.eval.Suite;
import dev.evomerge.model.LanguageModel.LogLikelihood;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A generated suite of exact-match tasks: task {@code t} has examples {@code Q s-t-i =} (search) and
 * {@code Q h-t-i =} (held-out) whose answer swaps the prefix letter for {@code a}. A fake model answers a prompt
 * right exactly when {@code knows} accepts its question.
 */
final class GenSuite {
    private GenSuite() {
    }

    static Path write(Path dir, List<String> tasks, int search, int heldout) {
        try {
            Files.createDirectories(dir);
            StringBuilder yaml = new StringBuilder("""
                    format: evomerge-eval-suite
                    version: 1
                    name: gen
                    slices: [search, heldout]
                    tasks:
                    """);
            for (String t : tasks) {
                yaml.append("""
                          - name: %s
                            type: generate
                            data: {search: %s-search.jsonl, heldout: %s-heldout.jsonl}
                            prompt: "Q {q} ="
                            target: "{a}"
                            max_tokens: 8
                            stop: ["\\n"]
                            match: {mode: normalized}
                        """.formatted(t, t, t));
                Files.write(dir.resolve(t + "-search.jsonl"), lines("s", t, search));
                Files.write(dir.resolve(t + "-heldout.jsonl"), lines("h", t, heldout));
            }
            return Files.writeString(dir.resolve("gen.yaml"), yaml.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(String prefix, String task, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String q = prefix + "-" + task + "-" + i;
            out.add("{\"id\": \"" + q + "\", \"q\": \"" + q + "\", \"a\": \"a" + q.substring(1) + "\"}");
        }
        return out;
    }

    /** The question inside a rendered prompt. */
    static String question(String prompt) {
        return prompt.substring(2, prompt.length() - 2);
    }

    static FakeModel model(Predicate<String> knows) {
        return new FakeModel(p -> {
            String q = question(p);
            return knows.test(q) ? " a" + q.substring(1) : " no";
        }, (c, x) -> -1.0, t -> new LogLikelihood(-1, 1, false));
    }

    static Suite load(Path file) {
        return Suite.load(file);
    }
}
