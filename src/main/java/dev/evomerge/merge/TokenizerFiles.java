package dev.evomerge.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.io.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What a merge needs to know about a checkpoint's tokenizer files: its vocabulary and its chat template. */
final class TokenizerFiles {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerFiles() {
    }

    /**
     * A vocabulary: the file it was read from, the SHA-256 of its canonical form (equal for two tokenizers exactly when
     * they map the same tokens to the same ids with the same merges), and its token count
     * ({@code len(tokenizer.get_vocab())}, or -1 where unknown).
     */
    record Vocabulary(String file, String digest, int size) {
        boolean sameAs(Vocabulary other) {
            return digest.equals(other.digest);
        }
    }

    /** Vocabularies by file, keyed by size and modification time: a search plans every candidate against them. */
    private static final Map<String, Optional<Vocabulary>> CACHE = new ConcurrentHashMap<>();

    /**
     * The vocabulary of the checkpoint in {@code dir}: tokenizer.json's model (vocab, merges) and added tokens (id and
     * text; a chat template or other settings elsewhere do not count), else the bytes of tokenizer.model or
     * vocab.json + merges.txt; empty when there is none (a test directory without tokenizer files).
     */
    static Optional<Vocabulary> vocabulary(Path dir) {
        StringBuilder key = new StringBuilder(dir.toAbsolutePath().normalize().toString());
        for (String f : new String[] {TOKENIZER_JSON, "tokenizer.model", "vocab.json", "merges.txt"}) {
            Path p = dir.resolve(f);
            try {
                key.append('|').append(Files.isRegularFile(p) ? Files.size(p) + "@" + Files.getLastModifiedTime(p) : "-");
            } catch (IOException e) {
                throw new UserError(p + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        Optional<Vocabulary> cached = CACHE.get(key.toString());
        if (cached == null) {
            cached = readVocabulary(dir);
            CACHE.put(key.toString(), cached);
        }
        return cached;
    }

    private static Optional<Vocabulary> readVocabulary(Path dir) {
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            JsonNode root = read(json);
            JsonNode model = root.path("model");
            if (model.isObject()) {
                MessageDigest sha = Sha256.digest();
                Set<Integer> ids = new HashSet<>();
                JsonNode vocab = model.path("vocab");
                if (vocab.isObject()) {
                    // Canonical whatever the file's key order: entries sorted by id, then text.
                    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(vocab.properties());
                    entries.sort(Comparator.comparingInt((Map.Entry<String, JsonNode> e) -> e.getValue().asInt())
                            .thenComparing(Map.Entry::getKey));
                    for (Map.Entry<String, JsonNode> e : entries) {
                        update(sha, "v", e.getValue().asText(), e.getKey());
                        ids.add(e.getValue().asInt());
                    }
                } else {
                    update(sha, "v", vocab.toString());
                    for (int i = 0; i < vocab.size(); i++) {
                        ids.add(i);
                    }
                }
                for (Map.Entry<String, JsonNode> e : model.properties()) {
                    if (!e.getKey().equals("vocab")) {
                        update(sha, "m", e.getKey(), e.getValue().toString());
                    }
                }
                for (JsonNode t : root.path("added_tokens")) {
                    update(sha, "a", t.path("id").asText(), t.path("content").asText());
                    ids.add(t.path("id").asInt());
                }
                return Optional.of(new Vocabulary(TOKENIZER_JSON, Sha256.hex(sha), ids.size()));
            }
        }
        for (String file : new String[] {"tokenizer.model", "vocab.json"}) {
            Path p = dir.resolve(file);
            if (Files.isRegularFile(p)) {
                MessageDigest sha = Sha256.digest();
                sha.update(bytes(p));
                Path merges = dir.resolve("merges.txt");
                if (file.equals("vocab.json") && Files.isRegularFile(merges)) {
                    sha.update(bytes(merges));
                }
                return Optional.of(new Vocabulary(file, Sha256.hex(sha), -1));
            }
        }
        return Optional.empty();
    }

    /** Feeds length-prefixed fields, so that no two different field lists digest alike. */
    private static void update(MessageDigest sha, String... fields) {
        for (String f : fields) {
            byte[] b = f.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(b.length).array());
            sha.update(b);
        }
    }

    /**
     * A tokenizer.json's tokens as {@code get_vocab()} gives them: the model's vocabulary (a BPE/WordPiece map, or a
     * Unigram list of [piece, score] by position) and the added tokens, each text to its id.
     *
     * @param file  the tokenizer.json read
     * @param root  its whole content (copied by callers that change it)
     * @param ids   token text to id, in id order
     * @param added added token entries by id
     */
    record TokenTable(Path file, ObjectNode root, Map<String, Integer> ids, Map<Integer, ObjectNode> added) {
        /** One more than the highest id: the rows an embedding for this vocabulary has. */
        int size() {
            return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        }
    }

    /** The tokens of {@code dir}'s tokenizer.json, or empty when it has none. */
    static Optional<TokenTable> tokens(Path dir) {
        Path json = dir.resolve(TOKENIZER_JSON);
        if (!Files.isRegularFile(json)) {
            return Optional.empty();
        }
        if (!(read(json) instanceof ObjectNode root) || !root.path("model").isObject()) {
            throw new UserError(json + ": not a tokenizer.json (no model object)");
        }
        Map<String, Integer> ids = new java.util.HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                if (!e.getValue().canConvertToInt() || e.getValue().intValue() < 0) {
                    throw new UserError(json + ": model.vocab gives token '" + e.getKey() + "' the id " + e.getValue()
                            + ", not a non-negative integer");
                }
                ids.put(e.getKey(), e.getValue().intValue());
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), i);
            }
        } else {
            throw new UserError(json + ": model.vocab is neither a map nor a list");
        }
        Map<Integer, ObjectNode> added = new java.util.TreeMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (!(t instanceof ObjectNode o) || !t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw new UserError(json + ": added_tokens entry " + t + " has no integer id and text content");
            }
            ids.put(o.path("content").textValue(), o.path("id").intValue());
            added.put(o.path("id").intValue(), o);
        }
        Map<String, Integer> ordered = new java.util.LinkedHashMap<>();
        ids.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry::getKey))
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return Optional.of(new TokenTable(json, root, ordered, added));
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
