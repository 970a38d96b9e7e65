package dev.evomerge.merge.recipe;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a {@link Recipe} as YAML that both mergekit (PyYAML, YAML 1.1) and {@link RecipeParser} read back to the same
 * recipe. Number lists (gradients, layer ranges) are written in flow style, as mergekit's own dumper does; numbers
 * always carry a decimal point and a signed exponent when they need one, because YAML 1.1 reads {@code 1e-05} as text.
 */
public final class RecipeWriter {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_./][A-Za-z0-9_./-]*");
    private static final Pattern YAML11_SPECIAL = Pattern.compile(
            "(?i)y|n|yes|no|true|false|on|off|null|[-+]?\\.?(inf|nan)|\\.|\\.\\.\\.");

    private RecipeWriter() {
    }

    public static String write(Recipe r) {
        StringBuilder out = new StringBuilder();
        if (r.name() != null) {
            line(out, 0, "name: " + text(r.name()));
        }
        line(out, 0, "merge_method: " + text(r.mergeMethod()));
        if (r.baseModel() != null) {
            line(out, 0, "base_model: " + text(r.baseModel().path()));
        }
        if (!r.models().isEmpty()) {
            line(out, 0, "models:");
            for (ModelEntry m : r.models()) {
                line(out, 2, "- model: " + text(m.model().path()));
                parameters(out, 4, m.parameters());
            }
        }
        if (!r.slices().isEmpty()) {
            line(out, 0, "slices:");
            for (Slice s : r.slices()) {
                line(out, 2, "- sources:");
                for (SliceSource src : s.sources()) {
                    line(out, 6, "- model: " + text(src.model().path()));
                    line(out, 8, "layer_range: [" + src.start() + ", " + src.end() + "]");
                    parameters(out, 8, src.parameters());
                }
                if (s.baseModel() != null) {
                    line(out, 4, "base_model: " + text(s.baseModel().path()));
                }
                if (s.residualWeight() != null) {
                    line(out, 4, "residual_weight: " + number(s.residualWeight()));
                }
                parameters(out, 4, s.parameters());
            }
        }
        parameters(out, 0, r.parameters());
        if (r.dtype() != null) {
            line(out, 0, "dtype: " + text(r.dtype()));
        }
        if (r.outDtype() != null) {
            line(out, 0, "out_dtype: " + text(r.outDtype()));
        }
        if (r.tokenizerSource() != null) {
            line(out, 0, "tokenizer_source: " + text(r.tokenizerSource().value()));
        }
        if (r.tokenizer() != null) {
            tokenizer(out, r.tokenizer());
        }
        if (r.chatTemplate() != null) {
            line(out, 0, "chat_template: " + text(r.chatTemplate()));
        }
        if (r.seed() != null) {
            line(out, 0, "seed: " + r.seed() + "  # evomerge extension: seed of stochastic methods (mergekit ignores it)");
        }
        return out.toString();
    }

    private static void parameters(StringBuilder out, int indent, Map<String, ParameterValue> params) {
        if (params.isEmpty()) {
            return;
        }
        line(out, indent, "parameters:");
        for (Map.Entry<String, ParameterValue> e : params.entrySet()) {
            String key = text(e.getKey()) + ":";
            switch (e.getValue()) {
                case Filtered f -> {
                    line(out, indent + 2, key);
                    for (Filtered.Entry entry : f.entries()) {
                        if (entry.filter() != null) {
                            line(out, indent + 4, "- filter: " + text(entry.filter()));
                            line(out, indent + 6, "value: " + inline(entry.value()));
                        } else {
                            line(out, indent + 4, "- value: " + inline(entry.value()));
                        }
                    }
                }
                case Scalar s -> line(out, indent + 2, key + " " + inline(s));
                case Gradient g -> line(out, indent + 2, key + " " + inline(g));
            }
        }
    }

    private static String inline(ParameterValue v) {
        return switch (v) {
            case Scalar.Num n -> number(n.value());
            case Scalar.Bool b -> Boolean.toString(b.value());
            case Scalar.Text t -> text(t.value());
            case Gradient g -> numbers(g.anchors());
            case Filtered f -> throw new IllegalStateException("filter lists are written in block style");
        };
    }

    private static void tokenizer(StringBuilder out, TokenizerConfig tc) {
        line(out, 0, "tokenizer:");
        line(out, 2, "source: " + text(tc.source().value()));
        if (!tc.tokens().isEmpty()) {
            line(out, 2, "tokens:");
            for (Map.Entry<String, TokenizerConfig.TokenEmbedding> e : tc.tokens().entrySet()) {
                TokenizerConfig.TokenEmbedding te = e.getValue();
                if (te.source() == null && !te.force()) {
                    line(out, 4, text(e.getKey()) + ": {}");
                    continue;
                }
                line(out, 4, text(e.getKey()) + ":");
                switch (te.source()) {
                    case TokenizerConfig.FromModel(ModelRef m) -> line(out, 6, "source: " + text(m.path()));
                    case TokenizerConfig.ModelToken mt -> {
                        line(out, 6, "source:");
                        line(out, 8, "kind: model_token");
                        line(out, 8, "model: " + text(mt.model().path()));
                        if (mt.tokenId() != null) {
                            line(out, 8, "token_id: " + mt.tokenId());
                        } else {
                            line(out, 8, "token: " + text(mt.token()));
                        }
                    }
                    case TokenizerConfig.Zero z -> {
                        line(out, 6, "source:");
                        line(out, 8, "kind: zero");
                    }
                    case null -> { }
                }
                if (te.force()) {
                    line(out, 6, "force: true");
                }
            }
        }
        if (tc.padToMultipleOf() != null) {
            line(out, 2, "pad_to_multiple_of: " + tc.padToMultipleOf());
        }
    }

    private static void line(StringBuilder out, int indent, String content) {
        out.repeat(' ', indent).append(content).append('\n');
    }

    private static String numbers(List<Double> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(number(values.get(i)));
        }
        return sb.append(']').toString();
    }

    /**
     * The shortest decimal that reads back as the same double (Java's {@code Double.toString} digits), spelled so YAML
     * 1.1 still sees a float: always a decimal point, and an explicitly signed exponent ({@code 1.0e-05} style).
     */
    static String number(double v) {
        String s = Double.toString(v);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e);
        String exponent = s.substring(e + 1);
        String sign = exponent.startsWith("-") ? "-" : "+";
        String digits = exponent.startsWith("-") ? exponent.substring(1) : exponent;
        return mantissa + "e" + sign + (digits.length() < 2 ? "0" + digits : digits);
    }

    /** Plain when unambiguous in YAML 1.1 and 1.2; otherwise double-quoted with JSON-style escapes. */
    static String text(String s) {
        if (PLAIN.matcher(s).matches() && !YAML11_SPECIAL.matcher(s).matches()
                && !Scalar.Text.NUMBER.matcher(s).matches()) {
            return s;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                            || c == '\ufeff') {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
