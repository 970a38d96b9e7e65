package dev.evomerge.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import dev.evomerge.io.Sha256;
import dev.evomerge.io.StrictYaml;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An evaluation suite (format {@value #FORMAT}, version {@value #VERSION}; see docs/eval-and-gates.md): tasks, each
 * split into named slices that never share an example. {@code hash} covers the suite file, every data file it names
 * and the evaluator's scoring version, so a cached score is reused only for exactly the same questions and scoring.
 */
public record Suite(Path file, String name, List<String> sliceNames, List<Task> tasks, String hash) {
    public static final String FORMAT = "evomerge-eval-suite";
    public static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    public Suite {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hash, "hash");
        sliceNames = List.copyOf(sliceNames);
        tasks = List.copyOf(tasks);
    }

    public Task task(String task) {
        return tasks.stream().filter(t -> t.name().equals(task)).findFirst()
                .orElseThrow(() -> new UserError("suite " + file + " has no task '" + task + "' (tasks: "
                        + String.join(", ", tasks.stream().map(Task::name).toList()) + ")"));
    }

    /** Refuses a slice the suite does not declare, listing the declared ones. */
    public String requireSlice(String slice) {
        if (!sliceNames.contains(slice)) {
            throw new UserError("suite " + file + " has no slice '" + slice + "' (slices: "
                    + String.join(", ", sliceNames) + ")");
        }
        return slice;
    }

    public static Suite load(Path file) {
        Fields root = Fields.of(StrictYaml.read(file), "suite " + file);
        root.requireFormat(FORMAT, VERSION);
        String name = root.string("name");
        requireName(name, root, "name");
        root.string("description", "");
        List<String> sliceNames = root.strings("slices");
        if (sliceNames.isEmpty()) {
            throw root.missing("slices");
        }
        for (String s : sliceNames) {
            requireName(s, root, "slices");
        }
        if (sliceNames.stream().distinct().count() != sliceNames.size()) {
            throw root.invalid("slices", "lists a slice twice: " + sliceNames);
        }
        for (String required : List.of("search", "heldout")) {
            if (!sliceNames.contains(required)) {
                throw root.invalid("slices", "must include '" + required + "' (the search scores on 'search', gates "
                        + "on 'heldout'), but was " + sliceNames);
            }
        }
        Split split = Split.parse(root.object("split"), sliceNames);
        Path dir = file.toAbsolutePath().getParent();
        HashInput hashInput = new HashInput();
        hashInput.add("suite", readBytes(file));

        JsonNode taskList = root.node("tasks");
        if (taskList == null || !taskList.isArray() || taskList.isEmpty()) {
            throw root.invalid("tasks", "must be a non-empty list of tasks");
        }
        List<Task> tasks = new ArrayList<>();
        for (JsonNode t : taskList) {
            Task task = parseTask(t, tasks.size(), file, dir, sliceNames, split, hashInput);
            if (tasks.stream().anyMatch(x -> x.name().equals(task.name()))) {
                throw new UserError("suite " + file + ": task '" + task.name() + "' is defined twice");
            }
            tasks.add(task);
        }
        root.done();
        return new Suite(file, name, sliceNames, tasks, hashInput.hex());
    }

    /** The hash split: a stable hash of (seed, example id) placed on [0, 1) and cut by the slices' fractions. */
    record Split(long seed, Map<String, Double> fractions) {
        static Split parse(Fields f, List<String> sliceNames) {
            if (f == null) {
                return null;
            }
            long seed = f.longInteger("seed", Long.MIN_VALUE);
            if (seed == Long.MIN_VALUE) {
                throw f.missing("seed");
            }
            Fields fr = f.object("fractions");
            if (fr == null) {
                throw f.missing("fractions");
            }
            Map<String, Double> fractions = new LinkedHashMap<>();
            double total = 0;
            for (String s : sliceNames) {
                double x = fr.number(s);
                if (!(x > 0 && x <= 1)) {
                    throw fr.invalid(s, "must be in (0, 1], but was " + x);
                }
                fractions.put(s, x);
                total += x;
            }
            fr.done();
            if (Math.abs(total - 1) > 1e-9) {
                throw f.invalid("fractions", "must sum to 1, but sum to " + total);
            }
            f.done();
            return new Split(seed, fractions);
        }

        String sliceOf(Example e) {
            MessageDigest md = Sha256.digest();
            md.update((seed + "\0" + e.id()).getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(md.digest()).getLong() >>> 11;
            double u = bits * 0x1.0p-53;
            double cumulative = 0;
            String last = null;
            for (Map.Entry<String, Double> s : fractions.entrySet()) {
                cumulative += s.getValue();
                last = s.getKey();
                if (u < cumulative) {
                    return last;
                }
            }
            return last;
        }
    }

    private static Task parseTask(JsonNode node, int index, Path file, Path dir, List<String> sliceNames, Split split,
            HashInput hashInput) {
        Fields f = Fields.of(node, "suite " + file + ", task #" + (index + 1));
        String name = f.string("name");
        requireName(name, f, "name");
        f = Fields.of(node, "suite " + file + ", task '" + name + "'");
        f.string("name");
        TaskType type = TaskType.parse(f.string("type"), f.where());
        String metric = type.requireMetric(f.string("metric", type.metrics().getFirst()), f.where());
        double weight = f.number("weight", 1.0);
        if (weight < 0) {
            throw f.invalid("weight", "must be >= 0, but was " + weight);
        }
        f.string("description", "");

        TaskFormat format = switch (type) {
            case GENERATE -> parseGenerate(f);
            case MULTIPLE_CHOICE -> parseChoice(f);
            case PERPLEXITY -> new TaskFormat.Perplexity(Template.parse(f.string("text", "{text}"),
                    f.where() + ", 'text'"));
        };

        Map<String, List<Example>> slices = new LinkedHashMap<>();
        sliceNames.forEach(s -> slices.put(s, new ArrayList<>()));
        JsonNode data = f.node("data");
        if (data == null) {
            throw f.missing("data");
        }
        if (data.isTextual()) {
            if (split == null) {
                throw f.invalid("data", "names one file, so the suite needs a 'split' (seed and fractions) to divide "
                        + "it into slices; or give one file per slice");
            }
            Path p = dir.resolve(data.asText());
            hashInput.add(data.asText(), readBytes(p));
            for (Example e : Jsonl.read(p)) {
                slices.get(split.sliceOf(e)).add(e);
            }
        } else {
            Fields perSlice = f.object("data");
            for (String key : perSlice.keys()) {
                if (!sliceNames.contains(key)) {
                    throw new UserError(perSlice.where() + ": '" + key + "' is not a slice of this suite (slices: "
                            + String.join(", ", sliceNames) + ")");
                }
            }
            for (String s : sliceNames) {
                String rel = perSlice.string(s, null);
                if (rel != null) {
                    Path p = dir.resolve(rel);
                    hashInput.add(rel, readBytes(p));
                    slices.get(s).addAll(Jsonl.read(p));
                }
            }
            perSlice.done();
        }

        List<Example> fewshot = List.of();
        String separator = "\n\n";
        Fields fs = f.object("fewshot");
        if (fs != null) {
            if (type == TaskType.PERPLEXITY) {
                throw f.invalid("fewshot", "is not supported for perplexity tasks");
            }
            String rel = fs.string("data");
            Path p = dir.resolve(rel);
            hashInput.add(rel, readBytes(p));
            List<Example> pool = Jsonl.read(p);
            int n = fs.integer("n", pool.size());
            if (n < 0 || n > pool.size()) {
                throw fs.invalid("n", "must be in [0, " + pool.size() + "] (the examples in " + p + "), but was " + n);
            }
            separator = fs.string("separator", separator);
            fs.done();
            fewshot = pool.subList(0, n);
        }
        f.done();
        checkDisjoint(name, slices, fewshot);
        for (List<Example> xs : slices.values()) {
            xs.forEach(e -> validate(format, name, e));
        }
        fewshot.forEach(e -> validate(format, name, e));
        return new Task(name, format, metric, weight, fewshot, separator, slices);
    }

    private static TaskFormat.Generate parseGenerate(Fields f) {
        Template prompt = Template.parse(f.string("prompt"), f.where() + ", 'prompt'");
        Template target = Template.parse(f.string("target"), f.where() + ", 'target'");
        String delimiter = f.string("target_delimiter", " ");
        int maxTokens = f.integer("max_tokens", 32);
        if (maxTokens < 1) {
            throw f.invalid("max_tokens", "must be at least 1, but was " + maxTokens);
        }
        List<String> stop = f.strings("stop");
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw f.invalid("stop", "must not contain an empty string");
        }
        return new TaskFormat.Generate(prompt, target, delimiter, maxTokens, stop, parseMatch(f.object("match")));
    }

    private static AnswerMatch parseMatch(Fields m) {
        if (m == null) {
            return AnswerMatch.exact();
        }
        String modeName = m.string("mode");
        AnswerMatch.Mode mode = switch (modeName) {
            case "exact" -> AnswerMatch.Mode.EXACT;
            case "normalized" -> AnswerMatch.Mode.NORMALIZED;
            case "regex" -> AnswerMatch.Mode.REGEX;
            default -> throw m.invalid("mode", "must be exact, normalized or regex, but was '" + modeName + "'");
        };
        List<Pattern> ignore = new ArrayList<>();
        for (String s : m.strings("ignore")) {
            ignore.add(compile(s, m, "ignore"));
        }
        boolean ignoreCase = m.bool("ignore_case", false);
        Pattern pattern = null;
        int group = 0;
        AnswerMatch.Select select = AnswerMatch.Select.FIRST;
        boolean normalizeExtracted = false;
        if (mode == AnswerMatch.Mode.REGEX) {
            pattern = compile(m.string("pattern"), m, "pattern");
            int groups = pattern.matcher("").groupCount();
            group = m.integer("group", groups > 0 ? 1 : 0);
            if (group < 0 || group > groups) {
                throw m.invalid("group", "must be in [0, " + groups + "] for pattern " + pattern + ", but was " + group);
            }
            String sel = m.string("select", "first");
            select = switch (sel) {
                case "first" -> AnswerMatch.Select.FIRST;
                case "last" -> AnswerMatch.Select.LAST;
                default -> throw m.invalid("select", "must be first or last, but was '" + sel + "'");
            };
            String compare = m.string("compare", "exact");
            normalizeExtracted = switch (compare) {
                case "exact" -> false;
                case "normalized" -> true;
                default -> throw m.invalid("compare", "must be exact or normalized, but was '" + compare + "'");
            };
        }
        m.done();
        return new AnswerMatch(mode, pattern, group, select, normalizeExtracted, ignore, ignoreCase);
    }

    private static Pattern compile(String regex, Fields f, String key) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw f.invalid(key, "is not a valid regular expression: " + e.getDescription() + " in \"" + regex + "\"");
        }
    }

    private static TaskFormat.MultipleChoice parseChoice(Fields f) {
        Template prompt = Template.parse(f.string("prompt"), f.where() + ", 'prompt'");
        JsonNode choices = f.node("choices");
        String choicesField = null;
        List<Template> templates = new ArrayList<>();
        if (choices == null) {
            choicesField = "choices";
        } else if (choices.isTextual()) {
            choicesField = choices.asText();
        } else {
            List<String> ts = f.strings("choices");
            if (ts.size() < 2) {
                throw f.invalid("choices", "must name a list-valued field or give at least 2 choice templates");
            }
            for (String t : ts) {
                templates.add(Template.parse(t, f.where() + ", 'choices'"));
            }
        }
        return new TaskFormat.MultipleChoice(prompt, choicesField, templates, f.string("gold", "gold"),
                f.string("target_delimiter", " "));
    }

    /** Renders everything an example will need, so a bad example fails at load, not halfway through a run. */
    private static void validate(TaskFormat format, String task, Example e) {
        switch (format) {
            case TaskFormat.Generate g -> {
                g.prompt().render(e, "task '" + task + "' prompt");
                g.target(e, task);
            }
            case TaskFormat.MultipleChoice m -> {
                m.prompt().render(e, "task '" + task + "' prompt");
                m.gold(e, m.choices(e, task), task);
            }
            case TaskFormat.Perplexity p -> p.text(e, task);
        }
    }

    /** Slices never share an example, and no demonstration is also a scored example. */
    private static void checkDisjoint(String task, Map<String, List<Example>> slices, List<Example> fewshot) {
        Map<String, String> owner = new HashMap<>();
        Map<String, Example> first = new HashMap<>();
        for (Map.Entry<String, List<Example>> s : slices.entrySet()) {
            for (Example e : s.getValue()) {
                String prev = owner.putIfAbsent(e.id(), s.getKey());
                if (prev != null) {
                    throw new UserError("task '" + task + "': example " + Jsonl.shortId(e.id()) + " is in slice '"
                            + prev + "' (" + first.get(e.id()).origin() + ") and in slice '" + s.getKey() + "' ("
                            + e.origin() + "); slices must never share an example");
                }
                first.put(e.id(), e);
            }
        }
        for (Example d : fewshot) {
            String s = owner.get(d.id());
            if (s != null) {
                throw new UserError("task '" + task + "': few-shot example " + Jsonl.shortId(d.id()) + " ("
                        + d.origin() + ") is also scored in slice '" + s + "' (" + first.get(d.id()).origin() + ")");
            }
        }
    }

    private static void requireName(String name, Fields f, String key) {
        if (!NAME.matcher(name).matches()) {
            throw f.invalid(key, "must be letters, digits, '_', '.' or '-', but was '" + name + "'");
        }
    }

    private static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError(p + " does not exist");
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Length-prefixed (name, bytes) records, so no two different inputs can hash alike by concatenation. */
    private static final class HashInput {
        private final MessageDigest md = Sha256.digest();

        HashInput() {
            add("evomerge-eval-suite-hash", ("format " + VERSION + ", scoring " + SuiteRunner.SCORING_VERSION)
                    .getBytes(StandardCharsets.UTF_8));
        }

        void add(String name, byte[] bytes) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            md.update(ByteBuffer.allocate(8).putLong(n.length).array());
            md.update(n);
            md.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
            md.update(bytes);
        }

        String hex() {
            return Sha256.hex(md);
        }
    }
}
