package dev.evomerge.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** What a merge needs to know about a checkpoint's tokenizer files: its vocabulary and its chat template. */
final class TokenizerFiles {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerFiles() {
    }

    /**
     * A vocabulary: the file it was read from, what identifies it (equal for two tokenizers exactly when they map the
     * same tokens to the same ids), and its token count ({@code len(tokenizer.get_vocab())}, or -1 where unknown).
     */
    record Vocabulary(String file, Object identity, int size) {
        boolean sameAs(Vocabulary other) {
            return identity instanceof byte[] a && other.identity instanceof byte[] b ? Arrays.equals(a, b)
                    : identity.equals(other.identity);
        }
    }

    /**
     * The vocabulary of the checkpoint in {@code dir}: tokenizer.json's model (vocab, merges) and added tokens (id and
     * text; a chat template or other settings elsewhere do not count), else the bytes of tokenizer.model or
     * vocab.json + merges.txt; empty when there is none (a test directory without tokenizer files).
     */
    static Optional<Vocabulary> vocabulary(Path dir) {
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            JsonNode root = read(json);
            JsonNode model = root.path("model");
            if (model.isObject()) {
                ArrayNode added = JsonNodeFactory.instance.arrayNode();
                Set<Integer> ids = new HashSet<>();
                for (JsonNode t : root.path("added_tokens")) {
                    added.addArray().add(t.path("id")).add(t.path("content"));
                    ids.add(t.path("id").asInt());
                }
                JsonNode vocab = model.path("vocab");
                if (vocab.isObject()) {
                    vocab.forEach(id -> ids.add(id.asInt()));
                } else if (vocab.isArray()) {
                    for (int i = 0; i < vocab.size(); i++) {
                        ids.add(i);
                    }
                }
                ObjectNode identity = JsonNodeFactory.instance.objectNode();
                identity.set("model", model);
                identity.set("added_tokens", added);
                return Optional.of(new Vocabulary(TOKENIZER_JSON, identity, ids.size()));
            }
        }
        for (String file : new String[] {"tokenizer.model", "vocab.json"}) {
            Path p = dir.resolve(file);
            if (Files.isRegularFile(p)) {
                byte[] bytes = bytes(p);
                Path merges = dir.resolve("merges.txt");
                if (file.equals("vocab.json") && Files.isRegularFile(merges)) {
                    byte[] m = bytes(merges);
                    byte[] both = Arrays.copyOf(bytes, bytes.length + m.length);
                    System.arraycopy(m, 0, both, bytes.length, m.length);
                    bytes = both;
                }
                return Optional.of(new Vocabulary(file, bytes, -1));
            }
        }
        return Optional.empty();
    }

    /**
     * The checkpoint's chat template as transformers loads it: chat_template.jinja when present (it takes precedence),
     * else tokenizer_config.json's {@code chat_template} (a string, or the "default" entry of a list of named ones).
     */
    static Optional<String> chatTemplate(Path dir) {
        Path jinja = dir.resolve(CHAT_TEMPLATE_FILE);
        if (Files.isRegularFile(jinja)) {
            return Optional.of(new String(bytes(jinja), StandardCharsets.UTF_8));
        }
        Path config = dir.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        JsonNode t = read(config).path("chat_template");
        if (t.isTextual()) {
            return Optional.of(t.textValue());
        }
        for (JsonNode named : t) {
            if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                return Optional.of(named.path("template").textValue());
            }
        }
        return Optional.empty();
    }

    /** tokenizer_config.json of {@code dir} as an object, or an empty object when there is none. */
    static ObjectNode tokenizerConfig(Path dir) {
        Path config = dir.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(config)) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!(read(config) instanceof ObjectNode o)) {
            throw new UserError(config + ": not a JSON object");
        }
        return o;
    }

    private static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("")
                    + ")", e);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
