package dev.evomerge.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.io.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A Hugging Face checkpoint: {@code config.json} plus safetensors weights, single-file ({@code model.safetensors}) or
 * sharded ({@code model.safetensors.index.json} + {@code model-0000i-of-0000n.safetensors}). Every weight file is
 * mapped once; tensors are zero-copy views. Pickle weights ({@code *.bin}, {@code *.pt}, {@code *.pth}) are refused:
 * unpickling runs arbitrary code.
 */
public final class Checkpoint implements TensorSource, AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String CONFIG_FILE = "config.json";
    /** Files a merged model copies from its base so it can be tokenized and generated with. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json",
            "chat_template.jinja", "generation_config.json");

    private final Path dir;
    private final String label;
    /** Shards by file name, in sorted order. */
    private final Map<String, SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<String> names;
    private final boolean sharded;
    /** A LoRA adapter folded into the tensors it targets as they are read, or null. */
    private final LoraFold lora;

    private ObjectNode config;
    private Map<String, String> fileHashes;
    private String contentHash;

    private Checkpoint(Path dir, String label, Map<String, SafetensorsFile> files,
            Map<String, SafetensorsFile> byTensor, boolean sharded) {
        this.dir = dir;
        this.label = label;
        this.files = files;
        this.byTensor = byTensor;
        this.sharded = sharded;
        this.lora = null;
        List<String> n = new ArrayList<>(byTensor.size());
        for (SafetensorsFile f : files.values()) {
            n.addAll(f.names());
        }
        this.names = List.copyOf(n);
    }

    private Checkpoint(Checkpoint base, LoraFold lora) {
        this.dir = base.dir;
        this.label = base.label + "+" + lora.dir();
        this.files = base.files;
        this.byTensor = base.byTensor;
        this.sharded = base.sharded;
        this.names = base.names;
        this.lora = lora;
    }

    /**
     * The checkpoint at {@code path} with the PEFT LoRA adapter in {@code adapterDir} folded into it (mergekit's
     * {@code base+adapter}); the adapter is checked completely against the base here (see {@link LoraFold}), and its
     * tensors are folded as they are read. With {@code adapterDir} null, {@link #open(Path)}.
     */
    public static Checkpoint open(Path path, Path adapterDir) {
        Checkpoint base = open(path);
        if (adapterDir == null) {
            return base;
        }
        try {
            return new Checkpoint(base, LoraFold.open(adapterDir, base));
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /**
     * mergekit's {@code base+adapter} written as one path (split at the first {@code +}, as mergekit does), when
     * {@code path} itself does not exist and its base part is a directory: so eval, gates and the finish accept the
     * LoRA references that recipes and search spaces accept. Null for any other path.
     */
    public static Path[] loraReference(Path path) {
        String s = path.toString();
        int plus = s.indexOf('+');
        if (plus <= 0 || plus == s.length() - 1 || Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Path base = Path.of(s.substring(0, plus));
        return Files.isDirectory(base) ? new Path[] {base, Path.of(s.substring(plus + 1))} : null;
    }

    /** The folded LoRA adapter's directory, if this checkpoint has one. */
    public java.util.Optional<Path> adapterDir() {
        return java.util.Optional.ofNullable(lora).map(LoraFold::dir);
    }

    /**
     * Opens a checkpoint directory ({@code model.safetensors}, else {@code model.safetensors.index.json}, as
     * transformers does) or a single {@code .safetensors} file (its directory is then the checkpoint directory).
     */
    public static Checkpoint open(Path path) {
        Path[] lora = loraReference(path);
        if (lora != null) {
            return open(lora[0], lora[1]);
        }
        if (!Files.isDirectory(path)) {
            String problem = notAFile(path);
            if (problem != null) {
                throw new UserError("checkpoint " + problem);
            }
            String fn = path.getFileName().toString();
            if (isPickle(fn)) {
                throw pickleRefusal(path, fn);
            }
            if (!fn.endsWith(".safetensors")) {
                throw new UserError("checkpoint " + path + " is neither a directory nor a .safetensors file");
            }
            Path parent = path.toAbsolutePath().getParent();
            return single(parent, path.toString(), path, fn);
        }
        for (String weights : List.of(SINGLE_FILE, INDEX_FILE)) {
            Path p = path.resolve(weights);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                String problem = notAFile(p);
                if (problem != null) {
                    throw new UserError("checkpoint " + path + " cannot be read: " + problem);
                }
                return weights.equals(SINGLE_FILE) ? single(path, path.toString(), p, SINGLE_FILE) : sharded(path);
            }
        }
        List<String> listing;
        try (Stream<Path> s = Files.list(path)) {
            listing = s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UserError("cannot list checkpoint directory " + path + ": " + e.getMessage(), e);
        }
        for (String fn : listing) {
            if (isPickle(fn)) {
                throw pickleRefusal(path, fn);
            }
        }
        throw new UserError("checkpoint directory " + path + " has neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    /**
     * Null if {@code p} is a regular file (following links), else what it is instead, naming it: a directory, a FIFO
     * or device (opening one for reading could block forever), a symbolic link loop, a dangling link, or missing.
     */
    static String notAFile(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (a.isRegularFile()) {
                return null;
            }
            return p + (a.isDirectory() ? " is a directory, not a file" : " is a FIFO or device, not a file");
        } catch (NoSuchFileException e) {
            return p + (Files.isSymbolicLink(p) ? " is a dangling symbolic link" : " does not exist");
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Too many levels of symbolic links")) {
                return p + " is a symbolic link loop";
            }
            return p + " cannot be read (" + e.getReason() + ")";
        } catch (IOException e) {
            return p + " cannot be read (" + e.getMessage() + ")";
        }
    }

    private static boolean isPickle(String fileName) {
        String f = fileName.toLowerCase(Locale.ROOT);
        return f.endsWith(".bin") || f.endsWith(".pt") || f.endsWith(".pth");
    }

    private static UserError pickleRefusal(Path where, String fn) {
        return new UserError(where + " has only PyTorch pickle weights (" + fn + "), which evomerge never loads because"
                + " unpickling can run arbitrary code; convert once in Python with"
                + " AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
    }

    private static Checkpoint single(Path dir, String label, Path file, String fileName) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (String n : f.names()) {
            byTensor.put(n, f);
        }
        Map<String, SafetensorsFile> files = new TreeMap<>();
        files.put(fileName, f);
        return new Checkpoint(dir, label, Collections.unmodifiableMap(files), byTensor, false);
    }

    private static Checkpoint sharded(Path dir) {
        Path indexPath = dir.resolve(INDEX_FILE);
        JsonNode index = readJson(indexPath);
        JsonNode wm = index.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw new UserError(indexPath + " has no weight_map object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            JsonNode v = e.getValue();
            if (!v.isTextual()) {
                throw new UserError(indexPath + ": weight_map entry for tensor '" + e.getKey() + "' is not a file name");
            }
            String shard = v.textValue();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")
                    || shard.equals(".")) {
                throw new UserError(indexPath + ": weight_map maps tensor '" + e.getKey() + "' to '" + shard
                        + "', which is not a file name in the checkpoint directory");
            }
            weightMap.put(e.getKey(), shard);
        }
        Map<String, SafetensorsFile> files = new TreeMap<>();
        try {
            for (String shard : new java.util.TreeSet<>(weightMap.values())) {
                Path p = dir.resolve(shard);
                String problem = notAFile(p);
                if (problem != null) {
                    throw new UserError(indexPath + " lists shard " + shard + " (for tensor '"
                            + firstTensorOf(weightMap, shard) + "'), but " + problem);
                }
                files.put(shard, SafetensorsFile.open(p));
            }
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            Map<String, String> shardOf = new LinkedHashMap<>();
            for (Map.Entry<String, SafetensorsFile> f : files.entrySet()) {
                for (String n : f.getValue().names()) {
                    String other = shardOf.putIfAbsent(n, f.getKey());
                    if (other != null) {
                        throw new UserError(dir + ": tensor '" + n + "' is in two shards, " + other + " and "
                                + f.getKey());
                    }
                    if (!weightMap.containsKey(n)) {
                        throw new UserError(dir + ": tensor '" + n + "' is in shard " + f.getKey() + " but not in "
                                + INDEX_FILE);
                    }
                    byTensor.put(n, f.getValue());
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String actual = shardOf.get(e.getKey());
                if (!e.getValue().equals(actual)) {
                    throw new UserError(indexPath + " maps tensor '" + e.getKey() + "' to " + e.getValue()
                            + ", but " + (actual == null ? "no shard holds it" : "it is in " + actual));
                }
            }
            return new Checkpoint(dir, dir.toString(), Collections.unmodifiableMap(files), byTensor, true);
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static String firstTensorOf(Map<String, String> weightMap, String shard) {
        return weightMap.entrySet().stream().filter(e -> e.getValue().equals(shard)).map(Map.Entry::getKey)
                .findFirst().orElse("?");
    }

    private static JsonNode readJson(Path p) {
        try {
            JsonNode n = SafetensorsFile.JSON.readTree(Files.readAllBytes(p));
            if (n == null || !n.isObject()) {
                throw new UserError(p + " is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new UserError(p + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint directory (for a single file opened directly: its parent). */
    public Path dir() {
        return dir;
    }

    /** Whether the weights are sharded with an index. */
    public boolean isSharded() {
        return sharded;
    }

    /** Weight file names relative to {@link #dir()}, sorted. */
    public List<String> weightFiles() {
        return List.copyOf(files.keySet());
    }

    /** Tokenizer and generation files present in {@link #dir()} (see {@link #TOKENIZER_FILES}). */
    public List<Path> tokenizerFiles() {
        return TOKENIZER_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
    }

    public boolean hasConfig() {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    /**
     * A copy of {@code config.json}; throws {@link UserError} if it is absent or malformed (only callers that need it
     * ask, so a tokenizer-less test directory without one is fine).
     */
    public synchronized ObjectNode config() {
        if (config == null) {
            Path p = dir.resolve(CONFIG_FILE);
            if (!Files.isRegularFile(p)) {
                throw new UserError("checkpoint " + label + " has no " + CONFIG_FILE + " in " + dir);
            }
            ObjectNode c = (ObjectNode) readJson(p);
            requireLayersPresent(p, c);
            config = c;
        }
        return config.deepCopy();
    }

    /**
     * A config that declares more decoder layers than the weights hold would make every consumer size its per-layer
     * structures by a number no tensor backs ({@code num_hidden_layers: 2147483647} exhausts any heap), so it is
     * refused here, once, naming the field. Weights without layer-indexed tensors (test fixtures) are not checked.
     */
    private void requireLayersPresent(Path file, ObjectNode c) {
        JsonNode n = c.get("num_hidden_layers");
        if (n == null || !n.isIntegralNumber()) {
            return;
        }
        int highest = -1;
        for (String name : names) {
            highest = Math.max(highest, TensorNames.classify(name).layer());
        }
        if (highest >= 0 && (!n.canConvertToLong() || n.longValue() > highest + 1L)) {
            throw new UserError(file + ": num_hidden_layers is " + n.asText() + ", but the weights hold layers 0.."
                    + highest + " only");
        }
    }

    /** {@code architectures[0]} of config.json, else its {@code model_type}. */
    public String architecture() {
        ObjectNode c = config();
        JsonNode a = c.get("architectures");
        if (a != null && a.isArray() && !a.isEmpty() && a.get(0).isTextual()) {
            return a.get(0).textValue();
        }
        JsonNode t = c.get("model_type");
        if (t != null && t.isTextual()) {
            return t.textValue();
        }
        throw new UserError(dir.resolve(CONFIG_FILE) + " has neither architectures nor model_type");
    }

    /** The decoder layout config.json names (see {@link DecoderLayout#of}); an unknown one is a UserError. */
    public DecoderLayout layout() {
        return DecoderLayout.of(config(), dir.resolve(CONFIG_FILE));
    }

    /** The number of layers of {@code stack} (see {@link DecoderLayout.Stack#layerCount}). */
    public int layerCount(DecoderLayout.Stack stack) {
        return stack.layerCount(config(), names, dir.resolve(CONFIG_FILE));
    }

    /**
     * {@code num_hidden_layers} of config.json; without a config, one more than the highest layer index among the
     * tensor names (see {@link TensorNames}).
     */
    public int numHiddenLayers() {
        if (hasConfig()) {
            JsonNode n = config().get("num_hidden_layers");
            if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() < 0) {
                throw new UserError(dir.resolve(CONFIG_FILE) + " has no valid num_hidden_layers");
            }
            return n.intValue();
        }
        int max = -1;
        for (String name : names) {
            max = Math.max(max, TensorNames.classify(name).layer());
        }
        return max + 1;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = file(name).info(name);
        return lora != null && lora.covers(name) ? lora.info(name) : info;
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** The tensor's bytes; a LoRA-folded tensor is folded on the first read and kept until {@link #releasePages}. */
    @Override
    public MemorySegment bytes(String name) {
        SafetensorsFile f = file(name);
        return lora != null && lora.covers(name) ? lora.bytes(name) : f.bytes(name);
    }

    @Override
    public void releasePages(String name) {
        if (lora != null && lora.covers(name)) {
            lora.release(name);
        } else {
            TensorSource.super.releasePages(name);
        }
    }

    /** The shard that holds {@code name}. */
    public Path fileOf(String name) {
        return file(name).path();
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new UserError("tensor '" + name + "' is not in checkpoint " + label);
        }
        return f;
    }

    /**
     * Decodes elements {@code [fromElem, fromElem+len)} of the flattened tensor into {@code dst[dstOff..)}, converting
     * F32/F16/BF16/F64 to float.
     */
    @Override
    public void readFloats(String name, long fromElem, float[] dst, int dstOff, int len) {
        requireFloat(info(name));
        TensorSource.super.readFloats(name, fromElem, dst, dstOff, len);
    }

    /** The whole tensor as floats (for tensors that fit one Java array). */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        requireFloat(info);
        long numel = info.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new UserError("tensor '" + name + "' of " + label + " has " + numel
                    + " elements, too many for one float array; read it in chunks");
        }
        float[] out = new float[(int) numel];
        readFloats(name, 0, out, 0, out.length);
        return out;
    }

    private void requireFloat(TensorInfo info) {
        if (!info.dtype().isFloatConvertible()) {
            throw new UserError("tensor '" + info.name() + "' of " + label + " has dtype " + info.dtype()
                    + ", which cannot be read as float");
        }
    }

    /**
     * SHA-256 (hex) of each file that defines the model, keyed by name relative to {@link #dir()}, sorted: every
     * weight file, the index if sharded, and config.json if present. Computed once, streaming from the mapping.
     */
    public synchronized Map<String, String> fileHashes() {
        if (fileHashes == null) {
            Map<String, String> h = new TreeMap<>();
            files.entrySet().parallelStream().forEach(e -> {
                String hex = HashCache.sha256(e.getValue().path(), () -> sha256(e.getValue().wholeFile()));
                synchronized (h) {
                    h.put(e.getKey(), hex);
                }
            });
            List<Map.Entry<String, Path>> extras = new ArrayList<>();
            for (String extra : List.of(INDEX_FILE, CONFIG_FILE)) {
                if (sharded || !extra.equals(INDEX_FILE)) {
                    extras.add(Map.entry(extra, dir.resolve(extra)));
                }
            }
            if (lora != null) {
                for (Path p : lora.files()) {
                    extras.add(Map.entry("+adapter/" + p.getFileName(), p));
                }
            }
            for (Map.Entry<String, Path> extra : extras) {
                Path p = extra.getValue();
                if (Files.isRegularFile(p)) {
                    try {
                        h.put(extra.getKey(), Sha256.of(Files.readAllBytes(p)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            fileHashes = Collections.unmodifiableMap(h);
        }
        return fileHashes;
    }

    /**
     * Identity of the model's content: SHA-256 (hex) of the text {@code "<sha256>  <file>\n"} for config.json (if
     * present) and every weight file, sorted by file name, i.e. exactly what
     * {@code cd dir && LC_ALL=C sha256sum config.json model*.safetensors | sha256sum} prints; with a LoRA adapter,
     * its adapter_config.json and adapter_model.safetensors (as {@code +adapter/<file>}) too. The index and tokenizer
     * files are not covered (the index is derived from the shards; tokenizers do not change the weights). Cached.
     */
    public synchronized String contentHash() {
        if (contentHash == null) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, String> e : fileHashes().entrySet()) {
                if (!e.getKey().equals(INDEX_FILE)) {
                    sb.append(e.getValue()).append("  ").append(e.getKey()).append('\n');
                }
            }
            contentHash = Sha256.of(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return contentHash;
    }

    private static String sha256(MemorySegment seg) {
        MessageDigest md = Sha256.digest();
        byte[] buf = new byte[1 << 20];
        long size = seg.byteSize();
        for (long off = 0; off < size; off += buf.length) {
            int n = (int) Math.min(buf.length, size - off);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, buf, 0, n);
            md.update(buf, 0, n);
        }
        return Sha256.hex(md);
    }

    @Override
    public String toString() {
        return label;
    }

    @Override
    public void close() {
        if (lora != null) {
            lora.close();
        }
        files.values().forEach(SafetensorsFile::close);
    }
}
