package dev.evomerge.merge.recipe;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import dev.evomerge.io.StrictYaml;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads mergekit YAML into a {@link Recipe}. Unknown keys at any level are refused (mergekit silently ignores them,
 * which hides typos such as {@code densty}); every error is a {@link UserError} of one line naming the source and the
 * key path, e.g. {@code recipe.yaml: slices[0].sources[1].layer_range: end 40 must be greater than start 40}.
 *
 * <p>Values are read as mergekit's pydantic schema coerces them: numeric text ({@code "0.5"}, {@code 1e-5}, which
 * YAML 1.1 reads as text) is a number; {@code yes/no/on/off} are booleans; booleans in a gradient are 1.0 / 0.0.
 */
public final class RecipeParser {
    private static final Set<String> TOP_KEYS = keys("merge_method", "base_model", "models", "slices", "parameters",
            "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "name", "seed");
    private static final Set<String> MODEL_KEYS = keys("model", "parameters");
    private static final Set<String> SLICE_KEYS = keys("sources", "base_model", "residual_weight", "parameters");
    private static final Set<String> SOURCE_KEYS = keys("model", "layer_range", "parameters");
    private static final Set<String> FILTER_KEYS = keys("filter", "value");
    private static final Set<String> TOKENIZER_KEYS = keys("source", "tokens", "pad_to_multiple_of");
    private static final Set<String> TOKEN_KEYS = keys("source", "force");
    private static final Set<String> MODEL_TOKEN_KEYS = keys("kind", "model", "token_id", "token");
    private static final Set<String> ZERO_KEYS = keys("kind");

    private final String source;

    private RecipeParser(String source) {
        this.source = source;
    }

    /** Parses a recipe file; errors name the file as given. */
    public static Recipe parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new UserError(file + " is not a recipe: it is not UTF-8 text (a binary file?)", e);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read the recipe (" + e.getMessage() + ")", e);
        }
        return parse(text, file.toString());
    }

    /** Parses recipe text; {@code sourceName} (a file name, or e.g. "search genome 12") starts every error message. */
    public static Recipe parse(String yaml, String sourceName) {
        return new RecipeParser(sourceName).recipe(readTree(yaml, sourceName));
    }

    private static JsonNode readTree(String yaml, String sourceName) {
        try {
            JsonNode root = YamlTree.read(yaml, sourceName);
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new UserError(sourceName + ": the recipe is empty");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String why = StrictYaml.reason(e);
            if (why.startsWith("value '")) {
                throw new UserError(sourceName + where + ": " + why, e);
            }
            throw new UserError(sourceName + ": not valid YAML" + where + " (" + why + ")", e);
        } catch (IOException e) {
            throw new UserError(sourceName + ": cannot read the recipe (" + e.getMessage() + ")", e);
        }
    }

    private Recipe recipe(JsonNode root) {
        if (root.has("modules")) {
            throw error("modules", "multi-module merges are not supported; use models: or slices:");
        }
        checkKeys(root, "", TOP_KEYS);
        JsonNode methodNode = root.get("merge_method");
        if (methodNode == null || methodNode.isNull()) {
            throw error("merge_method", "is required (e.g. merge_method: linear)");
        }
        String method = string(methodNode, "merge_method");
        if (method.isBlank()) {
            throw error("merge_method", "must not be empty");
        }
        List<ModelEntry> models = present(root, "models") ? models(root.get("models")) : List.of();
        List<Slice> slices = present(root, "slices") ? slices(root.get("slices")) : List.of();
        if (models.isEmpty() && slices.isEmpty()) {
            throw error("models", "give either models: (whole models) or slices: (layer ranges)");
        }
        if (!models.isEmpty() && !slices.isEmpty()) {
            throw error("slices", "give either models: or slices:, not both");
        }
        TokenizerSource tokenizerSource = present(root, "tokenizer_source")
                ? tokenizerSource(root.get("tokenizer_source"), "tokenizer_source") : null;
        TokenizerConfig tokenizer = present(root, "tokenizer") ? tokenizer(root.get("tokenizer")) : null;
        if (tokenizerSource != null && tokenizer != null) {
            throw error("tokenizer", "give at most one of tokenizer_source: or tokenizer:");
        }
        String dtype = dtype(root, "dtype");
        String outDtype = dtype(root, "out_dtype");
        return build("", () -> new Recipe(method, optionalModel(root, "base_model", "base_model"), models, slices,
                parameters(root.get("parameters"), "parameters"), dtype, outDtype, tokenizerSource, tokenizer,
                optionalString(root, "chat_template", "chat_template"), optionalString(root, "name", "name"),
                present(root, "seed") ? integer(root.get("seed"), "seed") : null));
    }

    private String dtype(JsonNode root, String key) {
        String value = optionalString(root, key, key);
        if (value != null) {
            build(key, () -> {
                Recipe.checkDtype(key, value);
                return value;
            });
        }
        return value;
    }

    private List<ModelEntry> models(JsonNode node) {
        List<ModelEntry> out = new ArrayList<>();
        JsonNode list = list(node, "models");
        for (int i = 0; i < list.size(); i++) {
            String path = "models[" + i + "]";
            JsonNode m = list.get(i);
            if (m.isTextual()) {
                throw error(path, "must be a mapping with a model: key, e.g. - model: " + m.asText());
            }
            checkKeys(m, path, MODEL_KEYS);
            ModelRef ref = requiredModel(m, path);
            for (int j = 0; j < out.size(); j++) {
                if (out.get(j).model().equals(ref)) {
                    throw error(path + ".model", "'" + ref + "' is already listed as models[" + j + "]");
                }
            }
            out.add(new ModelEntry(ref, parameters(m.get("parameters"), path + ".parameters")));
        }
        return out;
    }

    private List<Slice> slices(JsonNode node) {
        List<Slice> out = new ArrayList<>();
        JsonNode list = list(node, "slices");
        for (int i = 0; i < list.size(); i++) {
            String path = "slices[" + i + "]";
            JsonNode s = list.get(i);
            checkKeys(s, path, SLICE_KEYS);
            if (!present(s, "sources")) {
                throw error(path + ".sources", "is required: the layer ranges this slice merges");
            }
            JsonNode srcs = list(s.get("sources"), path + ".sources");
            List<SliceSource> sources = new ArrayList<>();
            for (int j = 0; j < srcs.size(); j++) {
                String sp = path + ".sources[" + j + "]";
                JsonNode src = srcs.get(j);
                checkKeys(src, sp, SOURCE_KEYS);
                ModelRef ref = requiredModel(src, sp);
                int[] range = layerRange(src.get("layer_range"), sp + ".layer_range");
                if (!sources.isEmpty()) {
                    int expected = sources.getFirst().length();
                    if (range[1] - range[0] != expected) {
                        throw error(sp + ".layer_range", "covers " + (range[1] - range[0])
                                + " layers but sources[0] covers " + expected
                                + "; all sources of a slice must cover the same number of layers");
                    }
                }
                for (int k = 0; k < sources.size(); k++) {
                    if (sources.get(k).model().equals(ref)) {
                        throw error(sp + ".model", "'" + ref + "' is already a source of this slice (sources[" + k + "])");
                    }
                }
                sources.add(new SliceSource(ref, range[0], range[1], parameters(src.get("parameters"), sp + ".parameters")));
            }
            ModelRef base = optionalModel(s, "base_model", path + ".base_model");
            Double residual = present(s, "residual_weight")
                    ? number(s.get("residual_weight"), path + ".residual_weight") : null;
            Map<String, ParameterValue> params = parameters(s.get("parameters"), path + ".parameters");
            out.add(build(path, () -> new Slice(sources, base, residual, params)));
        }
        return out;
    }

    private int[] layerRange(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            throw error(path, "is required: [start, end) of the source's layers, e.g. [0, 32]");
        }
        if (!node.isArray() || node.size() != 2) {
            throw error(path, "must be [start, end] with two integers, but was " + node);
        }
        long start = integer(node.get(0), path + "[0]");
        long end = integer(node.get(1), path + "[1]");
        if (start < 0) {
            throw error(path, "start must be >= 0, but was " + start);
        }
        if (end <= start) {
            throw error(path, "end " + end + " must be greater than start " + start);
        }
        if (end > Integer.MAX_VALUE) {
            throw error(path, "end " + end + " is too large");
        }
        return new int[] {(int) start, (int) end};
    }

    private Map<String, ParameterValue> parameters(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw error(path, "must be a mapping of parameter names to values, but was " + describe(node));
        }
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getKey().isBlank()) {
                throw error(path, "a parameter name must not be blank");
            }
            out.put(e.getKey(), value(e.getValue(), path + "." + e.getKey()));
        }
        return out;
    }

    private ParameterValue value(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            throw error(path, "needs a value (a number, a gradient list, or a list of {filter, value} entries)");
        }
        if (node.isObject()) {
            throw error(path, "a filtered value must be a list of {filter, value} entries,"
                    + " e.g. [{filter: self_attn, value: 0.5}, {value: 0.3}]");
        }
        if (!node.isArray()) {
            return scalar(node, path);
        }
        if (node.isEmpty()) {
            throw error(path, "an empty list is not a value; a gradient needs at least one number");
        }
        boolean anyObject = false;
        boolean allObjects = true;
        for (JsonNode e : node) {
            anyObject |= e.isObject();
            allObjects &= e.isObject();
        }
        if (allObjects) {
            List<Filtered.Entry> entries = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                entries.add(filterEntry(node.get(i), path + "[" + i + "]"));
            }
            return new Filtered(entries);
        }
        if (anyObject) {
            throw error(path, "mixes {filter, value} entries with plain values; use one or the other");
        }
        return gradient(node, path);
    }

    private Filtered.Entry filterEntry(JsonNode node, String path) {
        checkKeys(node, path, FILTER_KEYS);
        JsonNode v = node.get("value");
        if (v == null || v.isNull()) {
            throw error(path + ".value", "is required in every filter entry");
        }
        ParameterValue value;
        if (v.isArray()) {
            if (v.isEmpty()) {
                throw error(path + ".value", "an empty list is not a value; a gradient needs at least one number");
            }
            value = gradient(v, path + ".value");
        } else if (v.isObject()) {
            throw error(path + ".value", "must be a number or a gradient list; filters do not nest");
        } else {
            value = scalar(v, path + ".value");
        }
        JsonNode f = node.get("filter");
        if (f == null || f.isNull()) {
            return Filtered.Entry.otherwise(value);
        }
        if (!f.isTextual()) {
            throw error(path + ".filter", "must be text (a substring of tensor names), but was " + describe(f));
        }
        return Filtered.Entry.when(f.asText(), value);
    }

    private Gradient gradient(JsonNode node, String path) {
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode e = node.get(i);
            String ep = path + "[" + i + "]";
            if (e.isArray() || e.isObject()) {
                throw error(ep, "gradient values must be numbers, but was " + describe(e));
            }
            Scalar s = scalar(e, ep);
            switch (s) {
                case Scalar.Text t -> throw error(ep, "gradient values must be numbers, but was '" + t.value() + "'");
                default -> values.add(s.asDouble());
            }
        }
        return new Gradient(values);
    }

    private Scalar scalar(JsonNode node, String path) {
        if (node.isBoolean()) {
            return new Scalar.Bool(node.booleanValue());
        }
        if (node.isNumber()) {
            return new Scalar.Num(finite(node.doubleValue(), node.asText(), path));
        }
        if (node.isTextual()) {
            String t = node.asText().strip();
            if (Scalar.Text.NUMBER.matcher(t).matches()) {
                return new Scalar.Num(finite(Double.parseDouble(t.replace("_", "")), t, path));
            }
            if (Scalar.Text.NON_FINITE_WORD.matcher(t).matches()) {
                throw error(path, "must be a finite number, but was " + t);
            }
            if (Scalar.Text.TRUE_WORD.matcher(t).matches()) {
                return new Scalar.Bool(true);
            }
            if (Scalar.Text.FALSE_WORD.matcher(t).matches()) {
                return new Scalar.Bool(false);
            }
            return new Scalar.Text(node.asText());
        }
        throw error(path, "must be a number, a boolean or text, but was " + describe(node));
    }

    private double finite(double v, String written, String path) {
        if (!Double.isFinite(v)) {
            throw error(path, "must be a finite number, but was " + written);
        }
        return v;
    }

    private double number(JsonNode node, String path) {
        Scalar s = scalar(node, path);
        if (!(s instanceof Scalar.Num n)) {
            throw error(path, "must be a number, but was " + describe(node));
        }
        return n.value();
    }

    private long integer(JsonNode node, String path) {
        if (node != null && node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node != null && node.isNumber() && node.canConvertToExactIntegral() && node.canConvertToLong()) {
            return node.longValue();
        }
        throw error(path, "must be an integer, but was " + describe(node));
    }

    private TokenizerConfig tokenizer(JsonNode node) {
        if (!node.isObject()) {
            throw error("tokenizer", "must be a mapping with source, tokens, pad_to_multiple_of, but was " + describe(node));
        }
        checkKeys(node, "tokenizer", TOKENIZER_KEYS);
        TokenizerSource src = present(node, "source")
                ? tokenizerSource(node.get("source"), "tokenizer.source") : TokenizerSource.UNION;
        Map<String, TokenizerConfig.TokenEmbedding> tokens = new LinkedHashMap<>();
        if (present(node, "tokens")) {
            JsonNode t = node.get("tokens");
            if (!t.isObject()) {
                throw error("tokenizer.tokens", "must be a mapping from token text to its embedding source");
            }
            for (Map.Entry<String, JsonNode> e : t.properties()) {
                tokens.put(e.getKey(), tokenEmbedding(e.getValue(), "tokenizer.tokens." + e.getKey()));
            }
        }
        Integer pad = null;
        if (present(node, "pad_to_multiple_of")) {
            long p = integer(node.get("pad_to_multiple_of"), "tokenizer.pad_to_multiple_of");
            if (p <= 0 || p > Integer.MAX_VALUE) {
                throw error("tokenizer.pad_to_multiple_of", "must be a positive integer, but was " + p);
            }
            pad = (int) p;
        }
        return new TokenizerConfig(src, tokens, pad);
    }

    private TokenizerConfig.TokenEmbedding tokenEmbedding(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return new TokenizerConfig.TokenEmbedding(null, false);
        }
        checkKeys(node, path, TOKEN_KEYS);
        boolean force = false;
        if (present(node, "force")) {
            if (!(scalar(node.get("force"), path + ".force") instanceof Scalar.Bool b)) {
                throw error(path + ".force", "must be true or false, but was " + describe(node.get("force")));
            }
            force = b.value();
        }
        TokenizerConfig.EmbeddingSource src = null;
        if (present(node, "source")) {
            JsonNode s = node.get("source");
            String sp = path + ".source";
            if (s.isTextual()) {
                src = new TokenizerConfig.FromModel(modelRef(s, sp));
            } else if (s.isObject()) {
                String kind = present(s, "kind") ? string(s.get("kind"), sp + ".kind") : "";
                switch (kind) {
                    case "zero" -> {
                        checkKeys(s, sp, ZERO_KEYS);
                        src = new TokenizerConfig.Zero();
                    }
                    case "model_token" -> {
                        checkKeys(s, sp, MODEL_TOKEN_KEYS);
                        ModelRef m = requiredModel(s, sp);
                        Integer id = null;
                        if (present(s, "token_id")) {
                            long v = integer(s.get("token_id"), sp + ".token_id");
                            if (v < 0 || v > Integer.MAX_VALUE) {
                                throw error(sp + ".token_id", "must be a token id >= 0, but was " + v);
                            }
                            id = (int) v;
                        }
                        String token = optionalString(s, "token", sp + ".token");
                        if ((id == null) == (token == null)) {
                            throw error(sp, "give exactly one of token_id or token");
                        }
                        src = new TokenizerConfig.ModelToken(m, id, token);
                    }
                    default -> throw error(sp + ".kind", "must be model_token or zero, but was '" + kind + "'");
                }
            } else {
                throw error(sp, "must be a model path or a {kind: ...} mapping, but was " + describe(s));
            }
        }
        return new TokenizerConfig.TokenEmbedding(src, force);
    }

    private TokenizerSource tokenizerSource(JsonNode node, String path) {
        String v = string(node, path);
        if (v.equals("union") || v.equals("base")) {
            return new TokenizerSource(v);
        }
        return TokenizerSource.of(modelRef(node, path));
    }

    private ModelRef requiredModel(JsonNode node, String path) {
        if (!present(node, "model")) {
            throw error(path + ".model", "is required: the path of a model directory");
        }
        return modelRef(node.get("model"), path + ".model");
    }

    private ModelRef optionalModel(JsonNode node, String key, String path) {
        return present(node, key) ? modelRef(node.get(key), path) : null;
    }

    private ModelRef modelRef(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw error(path, "must be a model directory path, but was " + describe(node));
        }
        return build(path, () -> new ModelRef(node.asText()));
    }

    private String optionalString(JsonNode node, String key, String path) {
        return present(node, key) ? string(node.get(key), path) : null;
    }

    private String string(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw error(path, "must be text, but was " + describe(node));
        }
        return node.asText();
    }

    private JsonNode list(JsonNode node, String path) {
        if (!node.isArray()) {
            throw error(path, "must be a list, but was " + describe(node));
        }
        return node;
    }

    private void checkKeys(JsonNode node, String path, Set<String> allowed) {
        if (!node.isObject()) {
            throw error(path.isEmpty() ? "(top level)" : path, "must be a mapping with keys "
                    + String.join(", ", allowed) + ", but was " + describe(node));
        }
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String key = property.getKey();
            if (!allowed.contains(key)) {
                throw error(path.isEmpty() ? key : path + "." + key,
                        "unknown key (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private static boolean present(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    /** Runs a record constructor, turning its validation failure into a user error at {@code path}. */
    private <T> T build(String path, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            throw error(path.isEmpty() ? "(top level)" : path, e.getMessage());
        }
    }

    private UserError error(String path, String message) {
        return new UserError(source + ": " + path + ": " + message);
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "missing";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isTextual()) {
            return "'" + node.asText() + "'";
        }
        return node.toString();
    }

    private static Set<String> keys(String... names) {
        return java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(List.of(names)));
    }
}
