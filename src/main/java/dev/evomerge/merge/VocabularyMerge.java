package dev.evomerge.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorNames;
import dev.evomerge.checkpoint.TensorSource;
import dev.evomerge.merge.recipe.LoadedRecipe;
import dev.evomerge.merge.recipe.ModelRef;
import dev.evomerge.merge.recipe.Recipe;
import dev.evomerge.merge.recipe.TokenizerConfig;
import dev.evomerge.merge.recipe.TokenizerSource;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * mergekit's tokenizer merge ({@code tokenizer/build.py}, {@code tokenizer/embed.py}): the output vocabulary is the
 * base's, a named model's, or the {@code union} of all (the base's tokens keep their ids; other models' tokens follow,
 * regular ones first, then added ones, then the recipe's {@code tokens:}), and every model's embed_tokens and lm_head
 * are permuted onto it by token text before the merge method sees them. A model's own row is used where it has the
 * token (unless the token is {@code force}d); otherwise the token's default row: the recipe's {@code source} for it,
 * else the only model that has it, else the base's, else the average of the models that have it. Rows added by
 * {@code pad_to_multiple_of} are the mean of the model's permuted rows (mergekit, after Hewitt 2021).
 *
 * <p>Each permuted tensor is built when the merge first reads it and dropped when it releases it.
 */
final class VocabularyMerge {
    /** The output vocabulary and what it changes. */
    record Result(List<TensorTask> tasks, ObjectNode tokenizerJson, Map<Integer, ObjectNode> addedTokens,
                  int vocabSize) {
    }

    private final LoadedRecipe loaded;
    private final Sources sources;
    private final String key;
    private final TokenizerConfig config;
    private final ModelRef base;
    private final Map<ModelRef, TokenizerFiles.TokenTable> tables = new LinkedHashMap<>();

    private VocabularyMerge(LoadedRecipe loaded, Sources sources, String key, TokenizerConfig config) {
        this.loaded = loaded;
        this.sources = sources;
        this.key = key;
        this.config = config;
        Recipe r = loaded.recipe();
        this.base = r.baseModel() != null ? r.baseModel() : r.referencedModels().getFirst();
    }

    /**
     * Builds the output vocabulary from {@code source} (with {@code config}'s tokens and padding, if any) and rewrites
     * the embedding and head tasks onto it. {@code key} names the recipe field in messages.
     */
    static Result build(LoadedRecipe loaded, Sources sources, TokenizerSource source, TokenizerConfig config,
                        String key, List<TensorTask> tasks) {
        return new VocabularyMerge(loaded, sources, key, config).build(source, tasks);
    }

    private TokenizerFiles.TokenTable table(ModelRef m) {
        return tables.computeIfAbsent(m, ref -> {
            Checkpoint c = sources.get(ref);
            return TokenizerFiles.tokens(c.dir()).orElseGet(() -> {
                if (ref.equals(base)) {
                    throw new UserError(loaded.sourceName() + ": " + key + ": the base model '" + base
                            + "' has no tokenizer.json in " + c.dir() + ", which building a vocabulary needs");
                }
                return table(base); // mergekit: "Unable to load tokenizer ... Assuming same as base"
            });
        });
    }

    private Result build(TokenizerSource source, List<TensorTask> tasks) {
        Recipe r = loaded.recipe();
        ModelRef from = source.model().orElse(base);
        if (source.model().isPresent() && !r.referencedModels().contains(from)) {
            throw new UserError(loaded.sourceName() + ": " + key + ": '" + from + "' is not a model of this recipe");
        }
        TokenizerFiles.TokenTable out = table(from);
        Map<String, Integer> vocab = new LinkedHashMap<>(out.ids());
        Map<Integer, ObjectNode> added = new LinkedHashMap<>();
        int next = out.size();
        if (source.equals(TokenizerSource.UNION)) {
            List<ModelRef> order = new ArrayList<>();
            order.add(base);
            r.referencedModels().stream().filter(m -> !m.equals(base)).forEach(order::add);
            for (boolean addedPass : new boolean[] {false, true}) {
                for (ModelRef m : order) {
                    TokenizerFiles.TokenTable t = table(m);
                    int limit = limit(m, t);
                    for (Map.Entry<String, Integer> e : t.ids().entrySet()) {
                        boolean isAdded = t.added().containsKey(e.getValue());
                        if (isAdded != addedPass || e.getValue() >= limit || vocab.containsKey(e.getKey())) {
                            continue;
                        }
                        ObjectNode entry = isAdded ? t.added().get(e.getValue()).deepCopy() : plainAdded(e.getKey());
                        entry.put("id", next);
                        vocab.put(e.getKey(), next);
                        added.put(next++, entry);
                    }
                }
            }
        }
        if (config != null) {
            for (String token : config.tokens().keySet()) {
                if (!vocab.containsKey(token)) {
                    ObjectNode entry = plainAdded(token);
                    entry.put("id", next);
                    vocab.put(token, next);
                    added.put(next++, entry);
                }
            }
        }
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        Integer multiple = config == null ? null : config.padToMultipleOf();
        int padded = multiple == null || size % multiple == 0 ? size : size + multiple - size % multiple;
        String[] tokenOf = new String[size];
        vocab.forEach((t, id) -> tokenOf[id] = t);

        List<TensorTask> rewritten = new ArrayList<>(tasks.size());
        for (TensorTask task : tasks) {
            rewritten.add(isEmbedding(task) ? permute(task, tokenOf, padded) : task);
        }
        ObjectNode json = null;
        if (!added.isEmpty()) {
            json = out.root().deepCopy();
            ArrayNode list = json.withArray("added_tokens");
            added.values().forEach(list::add);
        }
        return new Result(rewritten, json, added, padded);
    }

    /** A token added as transformers' {@code add_tokens(str)} adds it: not special, normalized. */
    private static ObjectNode plainAdded(String token) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", -1);
        o.put("content", token);
        o.put("single_word", false);
        o.put("lstrip", false);
        o.put("rstrip", false);
        o.put("normalized", true);
        o.put("special", false);
        return o;
    }

    /**
     * Ids below this are the model's tokens (config.json's vocab_size as mergekit, the language model's for a
     * multimodal model; else the tokenizer's size).
     */
    private int limit(ModelRef m, TokenizerFiles.TokenTable t) {
        Checkpoint c = sources.get(m);
        if (c.hasConfig()) {
            ObjectNode config = c.config();
            JsonNode v = c.layout().stacks().getFirst().field(config, "vocab_size");
            v = v != null ? v : config.get("vocab_size");
            if (v != null && v.canConvertToInt()) {
                return v.intValue();
            }
        }
        return t.size();
    }

    static boolean isEmbedding(TensorTask task) {
        TensorNames.Group g = TensorNames.classify(task.output().name()).group();
        return (g == TensorNames.Group.EMBEDDING || g == TensorNames.Group.HEAD) && task.output().rank() == 2;
    }

    private ModelRef ref(TensorTask.Input in) {
        return new ModelRef(in.label());
    }

    private TensorTask permute(TensorTask task, String[] tokenOf, int padded) {
        List<TensorTask.Input> inputs = new ArrayList<>();
        if (task.base() != null) {
            inputs.add(task.base());
        }
        inputs.addAll(task.models());
        boolean baseIsInput = inputs.stream().anyMatch(in -> ref(in).equals(base));
        List<TensorTask.Input> donors = new ArrayList<>(inputs);
        String inName = task.models().getFirst().name();
        if (!baseIsInput && sources.all().containsKey(base) && sources.get(base).contains(inName)) {
            donors.add(new TensorTask.Input(base.toString(), sources.get(base), inName));
        }
        long hidden = inputs.getFirst().info().dim(1);
        List<int[]> perms = new ArrayList<>();
        boolean identity = true;
        for (TensorTask.Input in : donors) {
            boolean isInput = perms.size() < inputs.size();
            TensorInfo info = in.info();
            if (info.rank() != 2 || info.dim(1) != hidden) {
                throw new UserError(loaded.sourceName() + ": tensor '" + task.output().name() + "': '" + in.label()
                        + "' has shape " + info.shapeString() + "; embeddings must have " + hidden + " columns to merge");
            }
            TokenizerFiles.TokenTable t = table(ref(in));
            int limit = (int) Math.min(limit(ref(in), t), info.dim(0));
            int[] p = new int[tokenOf.length];
            for (int id = 0; id < p.length; id++) {
                // An id no token has (a hole in the vocabulary) keeps the model's own row.
                Integer own = tokenOf[id] == null ? Integer.valueOf(id) : t.ids().get(tokenOf[id]);
                p[id] = own == null || own >= limit ? -1 : own;
                identity &= !isInput || p[id] == id;
            }
            identity &= !isInput || info.dim(0) == padded;
            perms.add(p);
        }
        boolean forced = config != null
                && config.tokens().values().stream().anyMatch(TokenizerConfig.TokenEmbedding::force);
        if (identity && !forced) {
            return task;
        }
        Rows rows = new Rows(task.output().name(), donors, perms, rules(task, tokenOf, donors, perms, inputs.size()),
                forcedIds(tokenOf),
                tokenOf.length, padded, (int) hidden);
        TensorTask.Input b = task.base() == null ? null : rows.input(0);
        List<TensorTask.Input> models = new ArrayList<>();
        for (int i = 0; i < task.models().size(); i++) {
            models.add(rows.input(i + (task.base() == null ? 0 : 1)));
        }
        TensorInfo output = new TensorInfo(task.output().name(), task.output().dtype(), new long[] {padded, hidden});
        return new TensorTask(output, task.method(), b, models, task.modelParams(), task.globalParams(), task.seed());
    }

    private boolean[] forcedIds(String[] tokenOf) {
        boolean[] f = new boolean[tokenOf.length];
        for (int id = 0; id < f.length; id++) {
            TokenizerConfig.TokenEmbedding e = config == null || tokenOf[id] == null ? null
                    : config.tokens().get(tokenOf[id]);
            f[id] = e != null && e.force();
        }
        return f;
    }

    /**
     * Where each token's default row comes from, as donor index and row ({@code row -1}: zeros; donor -1: the average
     * of the donors that have it), by mergekit's {@code assign_embedding_sources}.
     */
    private Map<Integer, int[]> rules(TensorTask task, String[] tokenOf, List<TensorTask.Input> donors,
                                      List<int[]> perms, int inputCount) {
        Map<Integer, int[]> rules = new HashMap<>();
        int baseIndex = -1;
        for (int i = 0; i < donors.size(); i++) {
            if (ref(donors.get(i)).equals(base)) {
                baseIndex = i;
            }
        }
        for (int id = 0; id < tokenOf.length; id++) {
            TokenizerConfig.TokenEmbedding cfg = config == null || tokenOf[id] == null ? null
                    : config.tokens().get(tokenOf[id]);
            if (cfg != null && cfg.source() != null) {
                rules.put(id, explicit(task, tokenOf[id], id, cfg.source(), donors, perms));
                continue;
            }
            boolean needed = cfg != null && cfg.force();
            for (int i = 0; i < inputCount; i++) {
                needed |= perms.get(i)[id] < 0;
            }
            if (!needed) {
                continue; // every input has its own row
            }
            int present = 0;
            int donor = -1;
            for (int i = 0; i < donors.size(); i++) {
                if (perms.get(i)[id] >= 0) {
                    present++;
                    donor = i;
                }
            }
            if (present == 1) {
                rules.put(id, new int[] {donor, perms.get(donor)[id]});
            } else if (present == 0) {
                rules.put(id, new int[] {0, -1});
            } else if (baseIndex >= 0 && perms.get(baseIndex)[id] >= 0) {
                rules.put(id, new int[] {baseIndex, perms.get(baseIndex)[id]});
            } else {
                rules.put(id, new int[] {-1, 0});
            }
        }
        return rules;
    }

    private int[] explicit(TensorTask task, String token, int id, TokenizerConfig.EmbeddingSource source,
                           List<TensorTask.Input> donors, List<int[]> perms) {
        String where = loaded.sourceName() + ": tokenizer.tokens." + token + ".source";
        return switch (source) {
            case TokenizerConfig.Zero z -> new int[] {0, -1};
            case TokenizerConfig.FromModel fm -> {
                int i = donorIndex(donors, fm.model(), where, task);
                if (perms.get(i)[id] < 0) {
                    throw new UserError(where + ": model '" + fm.model() + "' has no token '" + token + "'");
                }
                yield new int[] {i, perms.get(i)[id]};
            }
            case TokenizerConfig.ModelToken mt -> {
                int i = donorIndex(donors, mt.model(), where, task);
                int row;
                if (mt.tokenId() != null) {
                    row = mt.tokenId();
                } else {
                    Integer own = table(mt.model()).ids().get(mt.token());
                    if (own == null) {
                        throw new UserError(where + ": model '" + mt.model() + "' has no token '" + mt.token() + "'");
                    }
                    row = own;
                }
                if (row >= donors.get(i).info().dim(0)) {
                    throw new UserError(where + ": token id " + row + " is beyond the " + donors.get(i).info().dim(0)
                            + " rows of '" + task.output().name() + "' in model '" + mt.model() + "'");
                }
                yield new int[] {i, row};
            }
        };
    }

    private int donorIndex(List<TensorTask.Input> donors, ModelRef model, String where, TensorTask task) {
        for (int i = 0; i < donors.size(); i++) {
            if (ref(donors.get(i)).equals(model)) {
                return i;
            }
        }
        throw new UserError(where + ": model '" + model + "' is not an input of tensor '" + task.output().name() + "'");
    }

    /**
     * One embedding tensor of every donor, permuted onto the output vocabulary as it is read: each read decodes the
     * rows it covers from the donors (a default row is made from its donor rows on the fly and rounded to the
     * donor's dtype, as writing it into a tensor of that dtype would), so no permuted tensor is ever held; the heap
     * holds the id maps and one padding row per donor.
     */
    private static final class Rows {
        private final String name;
        private final List<TensorTask.Input> donors;
        private final List<int[]> perms;
        private final Map<Integer, int[]> rules;
        private final boolean[] forced;
        private final int size;
        private final int padded;
        private final int hidden;
        private final float[][] padding;

        Rows(String name, List<TensorTask.Input> donors, List<int[]> perms, Map<Integer, int[]> rules,
             boolean[] forced, int size, int padded, int hidden) {
            this.name = name;
            this.donors = donors;
            this.perms = perms;
            this.rules = rules;
            this.forced = forced;
            this.size = size;
            this.padded = padded;
            this.hidden = hidden;
            this.padding = new float[donors.size()][];
        }

        TensorTask.Input input(int donor) {
            TensorTask.Input in = donors.get(donor);
            return new TensorTask.Input(in.label(), new Permuted(this, donor), in.name());
        }

        DType dtype(int donor) {
            return donors.get(donor).info().dtype();
        }

        /** Elements {@code [from, from + len)} of donor's permuted tensor into {@code dst[off, off + len)}. */
        void read(int donor, long from, float[] dst, int off, int len) {
            while (len > 0) {
                int id = (int) (from / hidden);
                int col = (int) (from % hidden);
                int m = Math.min(len, hidden - col);
                row(donor, id, col, dst, off, m);
                from += m;
                off += m;
                len -= m;
            }
        }

        /** Columns {@code [col, col + m)} of row {@code id} of donor's permuted tensor. */
        private void row(int donor, int id, int col, float[] dst, int off, int m) {
            if (id >= size) {
                System.arraycopy(padding(donor), col, dst, off, m);
                return;
            }
            int own = perms.get(donor)[id];
            if (own >= 0 && !forced[id]) {
                source(donor, own, col, dst, off, m);
                return;
            }
            int[] rule = rules.get(id);
            java.util.Arrays.fill(dst, off, off + m, 0f);
            if (rule == null || rule[1] < 0) {
                return; // no row anywhere, or the zero rule
            }
            if (rule[0] >= 0) {
                source(rule[0], rule[1], col, dst, off, m);
            } else {
                // the average of the donors that have the token, in float in donor order (mergekit averages in the
                // tensor's dtype)
                float[] r = new float[m];
                int count = 0;
                for (int i = 0; i < donors.size(); i++) {
                    int at = perms.get(i)[id];
                    if (at >= 0) {
                        source(i, at, col, r, 0, m);
                        for (int j = 0; j < m; j++) {
                            dst[off + j] += r[j];
                        }
                        count++;
                    }
                }
                for (int j = 0; j < m; j++) {
                    dst[off + j] /= count;
                }
            }
            round(dtype(donor), dst, off, m);
        }

        /** Columns {@code [col, col + m)} of row {@code row} of donor i's own tensor. */
        private void source(int i, int row, int col, float[] dst, int off, int m) {
            TensorTask.Input in = donors.get(i);
            in.source().readFloats(in.name(), (long) row * hidden + col, dst, off, m);
        }

        /**
         * The rows past the vocabulary ({@code pad_to_multiple_of}): the mean of the donor's permuted rows, in
         * double, rounded to its dtype; one pass over the rows on first use.
         */
        private synchronized float[] padding(int donor) {
            if (padding[donor] == null) {
                double[] mean = new double[hidden];
                float[] buf = new float[hidden];
                for (int id = 0; id < size; id++) {
                    row(donor, id, 0, buf, 0, hidden);
                    for (int j = 0; j < hidden; j++) {
                        mean[j] += buf[j];
                    }
                }
                float[] p = new float[hidden];
                for (int j = 0; j < hidden; j++) {
                    p[j] = (float) (mean[j] / size);
                }
                round(dtype(donor), p, 0, hidden);
                padding[donor] = p;
            }
            return padding[donor];
        }

        /** {@code v[off, off + m)} as stored in {@code dt} and read back. */
        private static void round(DType dt, float[] v, int off, int m) {
            if (dt == DType.F32) {
                return;
            }
            MemorySegment tmp = MemorySegment.ofArray(new byte[m * (int) dt.byteSize()]);
            FloatCodec.encode(dt, v, off, tmp, 0, m);
            FloatCodec.decode(dt, tmp, 0, v, off, m);
        }

        /**
         * Donor's whole permuted tensor in its dtype, in native memory: only for a consumer that needs the bytes (a
         * tensor copied unchanged); merges read rows through {@link Permuted#readFloats}.
         */
        MemorySegment build(int donor) {
            DType dt = dtype(donor);
            long numel = (long) padded * hidden;
            MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(numel * dt.byteSize(), 64);
            float[] buf = new float[hidden];
            for (int id = 0; id < padded; id++) {
                row(donor, id, 0, buf, 0, hidden);
                FloatCodec.encode(dt, buf, 0, out, (long) id * hidden * dt.byteSize(), hidden);
            }
            return out.asReadOnly();
        }
    }

    /**
     * One donor's permuted tensor as a source of that one tensor: {@link #readFloats} decodes rows from the donors
     * as they are read (the merge engine reads it so, chunk by chunk); {@link #bytes} builds the whole tensor.
     */
    static final class Permuted implements TensorSource {
        private final Rows rows;
        private final int donor;
        private MemorySegment bytes;

        Permuted(Rows rows, int donor) {
            this.rows = rows;
            this.donor = donor;
        }

        private String name() {
            return rows.donors.get(donor).name();
        }

        @Override
        public List<String> names() {
            return List.of(name());
        }

        @Override
        public TensorInfo info(String name) {
            require(name);
            return new TensorInfo(name, rows.dtype(donor), new long[] {rows.padded, rows.hidden});
        }

        @Override
        public boolean contains(String name) {
            return name.equals(name());
        }

        @Override
        public void readFloats(String name, long fromElem, float[] dst, int dstOff, int len) {
            require(name);
            long numel = (long) rows.padded * rows.hidden;
            if (fromElem < 0 || len < 0 || fromElem > numel - len) {
                throw new IndexOutOfBoundsException("elements [" + fromElem + ", " + (fromElem + len)
                        + ") of tensor " + name + " with " + numel + " elements");
            }
            rows.read(donor, fromElem, dst, dstOff, len);
        }

        @Override
        public synchronized MemorySegment bytes(String name) {
            require(name);
            if (bytes == null) {
                bytes = rows.build(donor);
            }
            return bytes;
        }

        @Override
        public synchronized void releasePages(String name) {
            bytes = null;
            TensorTask.Input in = rows.donors.get(donor);
            in.source().releasePages(in.name());
        }

        private void require(String name) {
            if (!contains(name)) {
                throw new UserError("tensor '" + name + "' is not the permuted embedding '" + name() + "'");
            }
        }
    }
}
