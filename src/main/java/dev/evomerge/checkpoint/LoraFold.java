package dev.evomerge.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.evomerge.UserError;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A PEFT LoRA adapter (Hu et al. 2021) folded into its base checkpoint's tensors as they are read: a targeted weight
 * reads as {@code W + s · B @ A} (PEFT's {@code merge_and_unload}), rounded to W's dtype, with {@code s = alpha / r},
 * or {@code alpha / sqrt(r)} with {@code use_rslora} (Kalajdzievski 2023); {@code r} and {@code alpha} per module from
 * {@code rank_pattern} / {@code alpha_pattern} where they match. A tensor of {@code modules_to_save} reads as the
 * adapter's copy. Nothing folded is kept beyond the tensors being merged: each is folded when first read and dropped
 * when the reader releases it (or, for readers that never release, when it is among the oldest of
 * {@link #MAX_CACHED}), so the folded model never exists whole in memory or on disk.
 *
 * <p>Everything that can be wrong with an adapter is checked when it is opened, before any tensor is merged: files,
 * peft_type (LORA only; DoRA and IA3 are refused), every key's base tensor, ranks, and shapes against the base.
 */
final class LoraFold implements AutoCloseable {
    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    /** Folded tensors kept for readers that never release them; a merge releases each after its task. */
    static final int MAX_CACHED = 8;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * One folded weight {@code W[rows, cols] += scale · C @ R}: for a Linear, {@code C = B [out, r]} and
     * {@code R = A [r, in]}; for fan_in_fan_out (Conv1D, W stored [in, out]) and embeddings (PEFT transposes
     * {@code B @ A} for both), {@code C = Aᵀ} and {@code R = Bᵀ}.
     */
    record Delta(String a, String b, int rank, float scale, boolean transposed) {
    }

    private final Path dir;
    private final SafetensorsFile file;
    private final Checkpoint base;
    private final Map<String, Delta> deltas;
    /** Base tensor name → adapter tensor that replaces it (modules_to_save). */
    private final Map<String, String> replaced;
    private final Map<String, MemorySegment> folded = new ConcurrentHashMap<>();
    private final Queue<String> foldOrder = new ConcurrentLinkedQueue<>();

    private LoraFold(Path dir, SafetensorsFile file, Checkpoint base, Map<String, Delta> deltas,
                     Map<String, String> replaced) {
        this.dir = dir;
        this.file = file;
        this.base = base;
        this.deltas = deltas;
        this.replaced = replaced;
    }

    /** Opens and checks the adapter in {@code dir} against {@code base}; a bad adapter is a UserError naming why. */
    static LoraFold open(Path dir, Checkpoint base) {
        if (!Files.isDirectory(dir)) {
            throw new UserError("LoRA adapter directory " + dir + " does not exist");
        }
        Path configFile = dir.resolve(CONFIG);
        String problem = Checkpoint.notAFile(configFile);
        if (problem != null) {
            throw new UserError("LoRA adapter " + dir + " has no " + CONFIG + ": " + problem);
        }
        Path weights = dir.resolve(WEIGHTS);
        problem = Checkpoint.notAFile(weights);
        if (problem != null) {
            if (Files.exists(dir.resolve("adapter_model.bin"))) {
                throw new UserError("LoRA adapter " + dir + " has only adapter_model.bin, a PyTorch pickle, which"
                        + " evomerge never loads because unpickling can run arbitrary code; save it with"
                        + " save_pretrained(out, safe_serialization=True)");
            }
            throw new UserError("LoRA adapter " + dir + " has no " + WEIGHTS + ": " + problem);
        }
        Config config = Config.read(configFile);
        SafetensorsFile f = SafetensorsFile.open(weights);
        try {
            LoraFold fold = check(dir, f, base, config);
            f = null;
            return fold;
        } finally {
            if (f != null) {
                f.close();
            }
        }
    }

    /** adapter_config.json's fields that change the fold. */
    private record Config(Path file, int r, double alpha, boolean rslora, boolean fanInFanOut,
                          Map<String, Integer> rankPattern, Map<String, Double> alphaPattern, JsonNode targets,
                          List<String> modulesToSave) {

        static Config read(Path file) {
            JsonNode c;
            try {
                c = SafetensorsFile.JSON.readTree(Files.readAllBytes(file));
            } catch (JsonProcessingException e) {
                throw new UserError(file + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
            } catch (IOException e) {
                throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (c == null || !c.isObject()) {
                throw new UserError(file + " is not a JSON object");
            }
            String type = c.path("peft_type").asText("");
            if (!type.equalsIgnoreCase("LORA")) {
                throw new UserError(file + ": peft_type " + (type.isEmpty() ? "is missing" : type + " is not supported")
                        + "; evomerge folds LORA adapters only");
            }
            if (c.path("use_dora").asBoolean(false)) {
                throw new UserError(file + ": use_dora is true; DoRA adapters (weight-decomposed LoRA) are not"
                        + " supported, only plain LoRA");
            }
            if (c.path("lora_bias").asBoolean(false)) {
                throw new UserError(file + ": lora_bias is true; LoRA adapters with trained biases are not supported");
            }
            int r = positiveInt(file, "r", c.get("r"), 8);
            double alpha = number(file, "lora_alpha", c.get("lora_alpha"), 8);
            Map<String, Integer> rankPattern = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : c.path("rank_pattern").properties()) {
                rankPattern.put(e.getKey(), positiveInt(file, "rank_pattern." + e.getKey(), e.getValue(), r));
            }
            Map<String, Double> alphaPattern = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : c.path("alpha_pattern").properties()) {
                alphaPattern.put(e.getKey(), number(file, "alpha_pattern." + e.getKey(), e.getValue(), alpha));
            }
            List<String> save = new ArrayList<>();
            for (JsonNode m : c.path("modules_to_save")) {
                save.add(m.asText());
            }
            return new Config(file, r, alpha, c.path("use_rslora").asBoolean(false),
                    c.path("fan_in_fan_out").asBoolean(false), rankPattern, alphaPattern, c.get("target_modules"),
                    save);
        }

        private static int positiveInt(Path file, String field, JsonNode v, int absent) {
            if (v == null || v.isNull()) {
                return absent;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
                throw new UserError(file + ": " + field + " must be a positive integer, but was " + v);
            }
            return v.intValue();
        }

        private static double number(Path file, String field, JsonNode v, double absent) {
            if (v == null || v.isNull()) {
                return absent;
            }
            if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
                throw new UserError(file + ": " + field + " must be a number, but was " + v);
            }
            return v.doubleValue();
        }

        /** PEFT's {@code get_pattern_key}: an exact key, else the first whose regex ends the module's name. */
        private static <T> T pattern(Map<String, T> patterns, String module, T absent) {
            if (patterns.containsKey(module)) {
                return patterns.get(module);
            }
            for (Map.Entry<String, T> e : patterns.entrySet()) {
                if (Pattern.matches("(.*\\.)?(" + e.getKey() + ")", module)) {
                    return e.getValue();
                }
            }
            return absent;
        }

        float scale(String module, int rank) {
            double a = pattern(alphaPattern, module, alpha);
            return (float) (rslora ? a / Math.sqrt(rank) : a / rank);
        }
    }

    private static LoraFold check(Path dir, SafetensorsFile f, Checkpoint base, Config config) {
        Path file = f.path();
        Map<String, String[]> pairs = new LinkedHashMap<>();
        Map<String, String> replaced = new LinkedHashMap<>();
        for (String key : f.names()) {
            if (!key.startsWith(PREFIX)) {
                throw new UserError(file + ": tensor '" + key + "' is not a PEFT key (base_model.model.<tensor>)");
            }
            String rest = key.substring(PREFIX.length());
            int part = rest.endsWith(".lora_A.weight") || rest.endsWith(".lora_embedding_A") ? 0
                    : rest.endsWith(".lora_B.weight") || rest.endsWith(".lora_embedding_B") ? 1 : -1;
            if (part >= 0) {
                String module = rest.substring(0, rest.lastIndexOf(".lora_"));
                pairs.computeIfAbsent(module, m -> new String[2])[part] = key;
            } else if (rest.contains(".lora_")) {
                throw new UserError(file + ": tensor '" + key + "' is not a LoRA A or B weight (only plain LoRA"
                        + " adapters are supported)");
            } else {
                TensorInfo have = f.info(key);
                requireBase(file, key, base, rest);
                TensorInfo want = base.info(rest);
                if (!have.sameShape(want)) {
                    throw new UserError(file + ": tensor '" + key + "' (modules_to_save) has shape "
                            + have.shapeString() + " but the base's '" + rest + "' has " + want.shapeString());
                }
                replaced.put(rest, key);
            }
        }
        Map<String, Delta> deltas = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : pairs.entrySet()) {
            String module = e.getKey();
            String[] ab = e.getValue();
            for (int i = 0; i < 2; i++) {
                if (ab[i] == null) {
                    throw new UserError(file + ": module '" + module + "' has lora_" + (i == 0 ? "B" : "A")
                            + " but no lora_" + (i == 0 ? "A" : "B"));
                }
            }
            boolean embedding = ab[0].endsWith("lora_embedding_A");
            String target = module + ".weight";
            requireBase(file, ab[0], base, target);
            if (replaced.containsKey(target)) {
                throw new UserError(file + ": tensor '" + target + "' is both LoRA-adapted and in modules_to_save");
            }
            TensorInfo w = base.info(target);
            TensorInfo a = f.info(ab[0]);
            TensorInfo b = f.info(ab[1]);
            if (!w.dtype().isFloatConvertible() || !a.dtype().isFloatConvertible()
                    || !b.dtype().isFloatConvertible()) {
                throw new UserError(file + ": module '" + module + "': LoRA folds float tensors only, but the dtypes"
                        + " are " + w.dtype() + " (base), " + a.dtype() + " (A), " + b.dtype() + " (B)");
            }
            if (w.rank() != 2 || a.rank() != 2 || b.rank() != 2) {
                throw new UserError(file + ": module '" + module + "': base weight " + w.shapeString() + ", A "
                        + a.shapeString() + " and B " + b.shapeString() + " must all be matrices");
            }
            int rank = Math.toIntExact(a.dim(0));
            int expected = Config.pattern(config.rankPattern(), module, config.r());
            if (b.dim(1) != rank || rank != expected) {
                throw new UserError(file + ": module '" + module + "': A " + a.shapeString() + " and B "
                        + b.shapeString() + " do not have rank " + expected + " (r"
                        + (config.rankPattern().isEmpty() ? "" : " or rank_pattern") + " of " + config.file() + ")");
            }
            boolean transposed = embedding || config.fanInFanOut();
            long rows = transposed ? a.dim(1) : b.dim(0);
            long cols = transposed ? b.dim(0) : a.dim(1);
            if (w.dim(0) != rows || w.dim(1) != cols) {
                throw new UserError(file + ": module '" + module + "': B @ A gives " + (transposed ? "(transposed) "
                        : "") + "[" + rows + ", " + cols + "] but the base's '" + target + "' has shape "
                        + w.shapeString());
            }
            deltas.put(target, new Delta(ab[0], ab[1], rank, config.scale(module, rank), transposed));
        }
        checkTargets(config, base, "target_modules", config.targets());
        checkTargets(config, base, "modules_to_save",
                SafetensorsFile.JSON.valueToTree(config.modulesToSave()));
        return new LoraFold(dir, f, base, Map.copyOf(deltas), Map.copyOf(replaced));
    }

    private static void requireBase(Path file, String key, Checkpoint base, String tensor) {
        if (!base.contains(tensor)) {
            throw new UserError(file + ": tensor '" + key + "' adapts '" + tensor + "', which base model "
                    + base.dir() + " does not have");
        }
    }

    /**
     * Each named target must match some base module: a list entry is a module name or the end of one after a dot
     * (PEFT's rule), a string is a regular expression over whole module names; PEFT's {@code all-linear} is not
     * checked.
     */
    private static void checkTargets(Config config, Checkpoint base, String field, JsonNode targets) {
        if (targets == null || targets.isNull() || (targets.isTextual() && targets.asText().equals("all-linear"))) {
            return;
        }
        List<String> modules = new ArrayList<>();
        for (String n : base.names()) {
            int dot = n.lastIndexOf('.');
            modules.add(dot < 0 ? n : n.substring(0, dot));
        }
        if (targets.isTextual()) {
            Pattern p;
            try {
                p = Pattern.compile(targets.asText());
            } catch (PatternSyntaxException e) {
                throw new UserError(config.file() + ": " + field + " '" + targets.asText() + "' is not a valid regular"
                        + " expression");
            }
            if (modules.stream().noneMatch(m -> p.matcher(m).matches())) {
                throw new UserError(config.file() + ": " + field + " '" + targets.asText() + "' matches no tensor of"
                        + " base model " + base.dir());
            }
            return;
        }
        for (JsonNode t : targets) {
            String name = t.asText();
            if (modules.stream().noneMatch(m -> m.equals(name) || m.endsWith("." + name))) {
                throw new UserError(config.file() + ": " + field + " '" + name + "' matches no tensor of base model "
                        + base.dir());
            }
        }
    }

    Path dir() {
        return dir;
    }

    /** The adapter's files (config and weights), for a checkpoint's content identity. */
    List<Path> files() {
        return List.of(dir.resolve(CONFIG), file.path());
    }

    /** Whether the adapter changes {@code name} (folds into it or replaces it). */
    boolean covers(String name) {
        return deltas.containsKey(name) || replaced.containsKey(name);
    }

    /** The tensor as read: a replaced tensor's own dtype, a folded one in the base's dtype and shape. */
    TensorInfo info(String name) {
        String r = replaced.get(name);
        if (r != null) {
            TensorInfo i = file.info(r);
            return new TensorInfo(name, i.dtype(), i.shape());
        }
        return base.info(name);
    }

    MemorySegment bytes(String name) {
        String r = replaced.get(name);
        if (r != null) {
            return file.bytes(r);
        }
        MemorySegment s = folded.get(name);
        if (s != null) {
            return s;
        }
        s = folded.computeIfAbsent(name, this::fold);
        foldOrder.add(name);
        while (foldOrder.size() > MAX_CACHED) {
            String old = foldOrder.poll();
            if (old != null && !old.equals(name)) {
                folded.remove(old);
            }
        }
        return s;
    }

    /** Drops a folded tensor (its memory goes when no reader holds it) and the pages it was folded from. */
    void release(String name) {
        String r = replaced.get(name);
        if (r != null) {
            file.releasePages(r);
            return;
        }
        folded.remove(name);
        foldOrder.remove(name);
    }

    private MemorySegment fold(String name) {
        Delta d = deltas.get(name);
        TensorInfo w = base.info(name);
        int rows = Math.toIntExact(w.dim(0));
        int cols = Math.toIntExact(w.dim(1));
        // C [rows, r] and R [r, cols] as floats: r rows of each are small (r · (rows + cols) elements).
        float[] a = file.readFloats(d.a());
        float[] b = file.readFloats(d.b());
        int r = d.rank();
        float[] c = d.transposed() ? transpose(a, r, rows) : b;
        float[] rr = d.transposed() ? transpose(b, cols, r) : a;
        MemorySegment src = base.bytes(name);
        // On the heap where one array holds it: the GC frees it as soon as no reader holds it, where native memory of
        // an automatic arena waits for a GC that heap-light merges rarely trigger (and stalls at the direct limit).
        MemorySegment out = w.byteSize() <= Integer.MAX_VALUE - 8 ? MemorySegment.ofArray(new byte[(int) w.byteSize()])
                : Arena.ofAuto().allocate(w.byteSize(), 64);
        DType dt = w.dtype();
        int blockRows = Math.max(1, (1 << 16) / Math.max(1, cols));
        int blocks = (rows + blockRows - 1) / blockRows;
        IntStream.range(0, blocks).parallel().forEach(blk -> {
            float[][] buf = new float[ROWS][cols];
            int lo = blk * blockRows;
            int hi = Math.min(rows, lo + blockRows);
            for (int i = lo; i < hi; i += ROWS) {
                int n = Math.min(ROWS, hi - i);
                long off = (long) i * cols * dt.byteSize();
                for (int q = 0; q < n; q++) {
                    FloatCodec.decode(dt, src, off + (long) q * cols * dt.byteSize(), buf[q], 0, cols);
                }
                foldRows(buf, n, c, i * r, rr, r, d.scale(), FloatCodec.SIMD);
                for (int q = 0; q < n; q++) {
                    FloatCodec.encode(dt, buf[q], 0, out, off + (long) q * cols * dt.byteSize(), cols);
                }
            }
        });
        if (src.isMapped()) {
            src.unload();
        }
        return out.asReadOnly();
    }

    /** {@code x[cols]: [r, cols] → xᵀ}, i.e. the [cols, r] matrix laid out row-major. */
    private static float[] transpose(float[] x, int rowsIn, int colsIn) {
        float[] t = new float[x.length];
        for (int i = 0; i < rowsIn; i++) {
            for (int j = 0; j < colsIn; j++) {
                t[j * rowsIn + i] = x[i * colsIn + j];
            }
        }
        return t;
    }

    /** Rows folded together: their accumulators are independent, so the FMA chains overlap. */
    static final int ROWS = 4;

    /**
     * {@code rows[q] += scale · (Σ_k c[cOff + q·r + k] · basis[k, :])} for {@code q < n}: each row of the product is
     * accumulated over k in order and scaled once, as PEFT computes {@code W + (B @ A) · scale}. The vector path folds
     * {@link #ROWS} rows per load of the basis; it and the scalar twin fuse each multiply-add in the same order, so
     * they agree bit for bit.
     */
    static void foldRows(float[][] rows, int n, float[] c, int cOff, float[] basis, int r, float scale,
                         boolean simd) {
        int cols = rows[0].length;
        int j = 0;
        if (simd && n == ROWS) {
            float[] x0 = rows[0];
            float[] x1 = rows[1];
            float[] x2 = rows[2];
            float[] x3 = rows[3];
            int upper = FS.loopBound(cols);
            for (; j < upper; j += FS.length()) {
                FloatVector a0 = FloatVector.zero(FS);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int k = 0; k < r; k++) {
                    FloatVector b = FloatVector.fromArray(FS, basis, k * cols + j);
                    a0 = b.fma(FloatVector.broadcast(FS, c[cOff + k]), a0);
                    a1 = b.fma(FloatVector.broadcast(FS, c[cOff + r + k]), a1);
                    a2 = b.fma(FloatVector.broadcast(FS, c[cOff + 2 * r + k]), a2);
                    a3 = b.fma(FloatVector.broadcast(FS, c[cOff + 3 * r + k]), a3);
                }
                FloatVector.fromArray(FS, x0, j).add(a0.mul(scale)).intoArray(x0, j);
                FloatVector.fromArray(FS, x1, j).add(a1.mul(scale)).intoArray(x1, j);
                FloatVector.fromArray(FS, x2, j).add(a2.mul(scale)).intoArray(x2, j);
                FloatVector.fromArray(FS, x3, j).add(a3.mul(scale)).intoArray(x3, j);
            }
        } else if (simd) {
            int upper = FS.loopBound(cols);
            for (int q = 0; q < n; q++) {
                float[] x = rows[q];
                int co = cOff + q * r;
                for (int jj = 0; jj < upper; jj += FS.length()) {
                    FloatVector acc = FloatVector.zero(FS);
                    for (int k = 0; k < r; k++) {
                        acc = FloatVector.fromArray(FS, basis, k * cols + jj).fma(FloatVector.broadcast(FS, c[co + k]),
                                acc);
                    }
                    FloatVector.fromArray(FS, x, jj).add(acc.mul(scale)).intoArray(x, jj);
                }
            }
            j = upper;
        }
        for (int q = 0; q < n; q++) {
            float[] x = rows[q];
            int co = cOff + q * r;
            for (int jj = j; jj < cols; jj++) {
                float acc = 0f;
                for (int k = 0; k < r; k++) {
                    acc = Math.fma(basis[k * cols + jj], c[co + k], acc);
                }
                x[jj] = x[jj] + acc * scale;
            }
        }
    }

    @Override
    public void close() {
        folded.clear();
        file.close();
    }
}
