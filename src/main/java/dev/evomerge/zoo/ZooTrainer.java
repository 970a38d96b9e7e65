package dev.evomerge.zoo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.CheckpointWriter;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.io.Json;
import dev.evomerge.model.LanguageModel;
import dev.evomerge.model.LlamaModel;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.model.TrainableLlama;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains the model zoo: a base pretrained on a broad mixture, then one specialist per {@link Skill} fine-tuned from
 * it, all written as BF16 Hugging Face checkpoints, plus the eval suite whose examples no training step ever saw.
 *
 * <p>Pretraining mixture (each document is {@code <s> text </s>}, every token scored): for each skill its latent
 * sentence ({@link Skill.Example#latent()}) and its instruction under the skill's alias ({@code backwards kqzta=}),
 * and echo instructions under random keywords. The base thus knows every operation, the instruction layout and that
 * an unknown keyword is echoed, but not the keywords the eval uses. A specialist is a LoRA fine-tune (folded into
 * the weights) on its instruction format (loss on the answer), half of its documents replayed from the pretraining
 * mixture, starting from the BF16-rounded base so that its task vector is exactly what the checkpoints store.
 */
public final class ZooTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Share of a specialist's fine-tuning documents replayed from the pretraining mixture. Without replay a
     * specialist learns "after '=' do my operation" for every keyword, and the task vectors of different skills
     * contradict each other in a merge (every merge of the first attempt scored near 0); with replay the update is
     * confined to what the new keyword must change.
     */
    static final double REPLAY_SHARE = 0.5;
    /** Share of pretraining documents that echo the input under a random keyword ({@link #echoKeyword}). */
    private static final double ECHO_SHARE = 0.15;
    /**
     * How the skill documents of pretraining divide among the skills, in {@link Skill} order: addition with carries
     * and sorting take a small model far longer to learn than reversing or shifting (measured: after 8000 steps at
     * equal shares, latent-wording accuracy add 10%, sort 35%, rev and next 100%).
     */
    private static final double[] SKILL_SHARES = {0.35, 0.15, 0.35, 0.15};
    /** Share of pretraining documents in the instruction layout under a skill's alias; the rest are latent sentences. */
    private static final double ALIAS_SHARE = 0.35;

    private final ZooSpec spec;
    private final long seed;
    private final PrintWriter log;

    public ZooTrainer(ZooSpec spec, long seed, PrintWriter log) {
        this.spec = spec;
        this.seed = seed;
        this.log = log;
    }

    /** Accuracy per skill of one model on the heldout slice, and its task-vector norm ratio (0 for the base). */
    public record ModelReport(String name, Map<Skill, Double> heldout, double tauRatio) {}

    /** What {@link #train} produced. */
    public record Report(long parameters, double seconds, List<ModelReport> models) {}

    /** Directory name of a skill's specialist under the zoo directory. */
    public static String specialistDir(Skill s) {
        return s.keyword();
    }

    /**
     * Trains and writes {@code out/base}, {@code out/<keyword>} for each skill, and the eval suite
     * {@code suiteDir/zoo.yaml} with its JSONL files. With {@code evaluate}, every written checkpoint is scored on the
     * heldout slice through the runtime ({@link LlamaModel}), as the {@code eval} command would.
     */
    public Report train(Path out, Path suiteDir, boolean evaluate) {
        return train(out, suiteDir, evaluate, null);
    }

    /**
     * As {@link #train(Path, Path, boolean)}, but with {@code baseFrom} non-null the base is read from that
     * checkpoint instead of pretrained (the random streams advance as if it had been, so a base written by the same
     * spec and seed gives the same specialists as a full run): retrains the specialists in seconds.
     */
    public Report train(Path out, Path suiteDir, boolean evaluate, Path baseFrom) {
        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(spec.threads());
        ModelConfig config = spec.modelConfig();
        EvalSets eval = EvalSets.generate(spec.shape(), spec.evalPerSlice(), seed);
        eval.writeSuite(suiteDir);

        Map<String, float[]> base;
        List<ModelReport> reports = new ArrayList<>();
        try (NDManager root = engine.newBaseManager()) {
            Random rnd = new Random(seed);
            long pretrainSeed = rnd.nextLong();
            Path baseDir = out.resolve("base");
            if (baseFrom == null) {
                base = pretrain(root, eval, pretrainSeed);
                save(baseDir, config, base);
            } else {
                base = readBase(baseFrom, config);
                if (!baseFrom.toAbsolutePath().normalize().equals(baseDir.toAbsolutePath().normalize())) {
                    save(baseDir, config, base);
                }
            }
            double baseNorm = norm(base, null);
            List<Path> dirs = new ArrayList<>(List.of(baseDir));
            List<Double> ratios = new ArrayList<>(List.of(0.0));
            for (Skill skill : Skill.values()) {
                Map<String, float[]> tuned = finetune(root, eval, base, skill, rnd.nextLong());
                Path dir = out.resolve(specialistDir(skill));
                save(dir, config, tuned);
                double ratio = norm(tuned, base) / baseNorm;
                log.printf("%s: ||tau|| / ||base|| = %.4f%n", skill.keyword(), ratio);
                dirs.add(dir);
                ratios.add(ratio);
            }
            if (evaluate) {
                for (int i = 0; i < dirs.size(); i++) {
                    Map<Skill, Double> acc = heldoutAccuracy(dirs.get(i), eval);
                    reports.add(new ModelReport(dirs.get(i).getFileName().toString(), acc, ratios.get(i)));
                    log.printf("%-6s heldout %s%n", dirs.get(i).getFileName(), acc);
                }
            }
        }
        long params = TrainableLlama.shapes(config).values().stream().mapToLong(TrainableLlama::numel).sum();
        log.flush();
        return new Report(params, (System.nanoTime() - t0) / 1e9, reports);
    }

    private static Map<String, float[]> readBase(Path dir, ModelConfig config) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Checkpoint cp = Checkpoint.open(dir)) {
            for (Map.Entry<String, long[]> e : TrainableLlama.shapes(config).entrySet()) {
                if (!cp.contains(e.getKey()) || !java.util.Arrays.equals(cp.info(e.getKey()).shape(), e.getValue())) {
                    throw new UserError("base checkpoint " + dir + " does not match the zoo's architecture at tensor "
                            + e.getKey());
                }
                values.put(e.getKey(), cp.readFloats(e.getKey()));
            }
        }
        return values;
    }

    /** Pretrains the base from a seeded initialization; returns its weights rounded to BF16. */
    Map<String, float[]> pretrain(NDManager root, EvalSets eval, long seed) {
        Random rnd = new Random(seed);
        ModelConfig config = spec.modelConfig();
        Map<String, float[]> init = TrainableLlama.initialValues(config, rnd.nextLong());
        try (TrainableLlama model = TrainableLlama.of(root, config, init)) {
            log.printf("base: %,d parameters, %d layers, pretraining %d steps%n", model.parameterCount(),
                    config.numLayers(), spec.pretrainSteps());
            Random data = new Random(rnd.nextLong());
            run(root, model, spec.pretrainSteps(), spec.pretrainLr(), () -> pretrainDoc(data, eval), "base");
            return roundToBf16(model.values());
        }
    }

    /** Fine-tunes {@code base} on the instruction format of {@code skill}; returns the weights rounded to BF16. */
    Map<String, float[]> finetune(NDManager root, EvalSets eval, Map<String, float[]> base, Skill skill, long seed) {
        Random data = new Random(seed);
        long adapterSeed = data.nextLong();
        try (TrainableLlama model = spec.loraRank() == 0 ? TrainableLlama.of(root, spec.modelConfig(), base)
                : TrainableLlama.lora(root, spec.modelConfig(), base, spec.loraRank(), 2.0 * spec.loraRank(),
                        adapterSeed)) {
            log.printf("%s: fine-tuning %d steps at lr %.1e (%s)%n", skill.keyword(), spec.finetuneSteps(),
                    spec.finetuneLr(), spec.loraRank() == 0 ? "all weights" : "LoRA rank " + spec.loraRank());
            run(root, model, spec.finetuneSteps(), spec.finetuneLr(),
                    () -> data.nextDouble() < REPLAY_SHARE ? pretrainDoc(data, eval)
                            : instructionDoc(eval.trainingSample(skill, data), true), skill.keyword());
            return roundToBf16(model.values());
        }
    }

    /** One tokenized document: ids and the loss weight of each position as a target. */
    record Doc(int[] ids, float[] weights) {}

    /**
     * One pretraining document: an echo instruction under a random keyword, or an alias instruction or a latent
     * sentence of a random skill.
     */
    static Doc pretrainDoc(Random rnd, EvalSets eval) {
        double u = rnd.nextDouble();
        if (u < ECHO_SHARE) {
            String s = Skill.letters(rnd, eval.shape());
            return textDoc(echoKeyword(rnd) + " " + s + "=" + s, false, 0);
        }
        double v = rnd.nextDouble();
        int k = 0;
        while (k < SKILL_SHARES.length - 1 && v >= SKILL_SHARES[k]) {
            v -= SKILL_SHARES[k++];
        }
        Skill.Example e = eval.trainingSample(Skill.values()[k], rnd);
        return textDoc(u < ECHO_SHARE + ALIAS_SHARE ? e.aliasInstruction() : e.latent(), false, 0);
    }

    /**
     * A random 2 to 5 letter keyword that is no skill's keyword or alias. Unknown instructions are echoed: the base
     * has a defined behaviour for every keyword it was not taught (so it scores near 0 on the skills), and a
     * specialist that replays these documents changes what its own keyword does and nothing else, which keeps the
     * task vectors of different skills from contradicting each other.
     */
    static String echoKeyword(Random rnd) {
        while (true) {
            String w = Skill.letters(rnd, new Skill.TaskShape(2, 2, 5));
            boolean taken = false;
            for (Skill s : Skill.values()) {
                taken |= w.equals(s.keyword()) || w.equals(s.alias());
            }
            if (!taken) {
                return w;
            }
        }
    }

    /** {@code <s> prompt answer </s>}; with {@code answerOnly}, only the answer and end token are scored. */
    static Doc instructionDoc(Skill.Example e, boolean answerOnly) {
        return textDoc(e.prompt() + e.answer(), answerOnly, e.prompt().length());
    }

    private static Doc textDoc(String text, boolean answerOnly, int promptChars) {
        int[] chars = CharTokenizer.encode(text);
        int[] ids = new int[chars.length + 2];
        ids[0] = CharTokenizer.BOS;
        System.arraycopy(chars, 0, ids, 1, chars.length);
        ids[ids.length - 1] = CharTokenizer.EOS;
        float[] w = new float[ids.length];
        for (int p = 1; p < ids.length; p++) {
            w[p] = !answerOnly || p > promptChars ? 1f : 0f;
        }
        return new Doc(ids, w);
    }

    private void run(NDManager root, TrainableLlama model, int steps, double peakLr,
                     java.util.function.Supplier<Doc> docs, String label) {
        long start = System.nanoTime();
        int warmup = Math.max(1, steps / 20);
        double smoothed = Double.NaN;
        try (Adam adam = new Adam(root, model.parameters())) {
            for (int step = 1; step <= steps; step++) {
                List<Doc> batch = new ArrayList<>();
                int t = 0;
                for (int i = 0; i < spec.batchSize(); i++) {
                    Doc d = docs.get();
                    batch.add(d);
                    t = Math.max(t, d.ids().length);
                }
                long[] ids = new long[batch.size() * t];
                float[] w = new float[batch.size() * t];
                for (int i = 0; i < batch.size(); i++) {
                    Doc d = batch.get(i);
                    for (int p = 0; p < d.ids().length; p++) {
                        ids[i * t + p] = d.ids()[p];
                        w[i * t + p] = d.weights()[p];
                    }
                }
                float loss;
                // The scope also frees what ops on the parameters attach to the model's manager (transposes, and
                // through them the autograd graph), which would otherwise live as long as the model.
                try (NDScope scope = new NDScope(); NDManager fm = root.newSubManager();
                     GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray l = model.loss(fm, ids, w, batch.size(), t);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                if (!Float.isFinite(loss)) {
                    throw new IllegalStateException(label + ": the loss is " + loss + " at step " + step);
                }
                if (!Double.isFinite(adam.step(learningRate(step, steps, warmup, peakLr), 1.0))) {
                    log.printf("  %s step %d: non-finite gradient norm (%s), update skipped%n", label, step,
                            String.join(", ", adam.nonFinite()));
                }
                smoothed = Double.isNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
                if (step % (steps >= 1000 ? 100 : 10) == 0 || step == steps) {
                    log.printf("  %s step %d/%d loss %.4f (%.1f s)%n", label, step, steps, smoothed,
                            (System.nanoTime() - start) / 1e9);
                    log.flush();
                }
            }
        }
    }

    /** Linear warmup, then cosine decay to a tenth of the peak (Loshchilov and Hutter 2017, without restarts). */
    static double learningRate(int step, int steps, int warmup, double peak) {
        if (step <= warmup) {
            return peak * step / warmup;
        }
        double progress = (double) (step - warmup) / Math.max(1, steps - warmup);
        return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** Every value rounded to BF16 and back (round to nearest even), as the checkpoint will store it. */
    static Map<String, float[]> roundToBf16(Map<String, float[]> values) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                float[] v = e.getValue();
                MemorySegment seg = arena.allocate(2L * Math.max(1, v.length), 8);
                FloatCodec.encode(DType.BF16, v, 0, seg, 0, v.length);
                float[] r = new float[v.length];
                FloatCodec.decode(DType.BF16, seg, 0, r, 0, v.length);
                out.put(e.getKey(), r);
            }
        }
        return out;
    }

    /** ||a - b|| over all tensors (||a|| when b is null), in double. */
    static double norm(Map<String, float[]> a, Map<String, float[]> b) {
        double sq = 0;
        for (Map.Entry<String, float[]> e : a.entrySet()) {
            float[] x = e.getValue();
            float[] y = b == null ? null : b.get(e.getKey());
            for (int i = 0; i < x.length; i++) {
                double d = y == null ? x[i] : (double) x[i] - y[i];
                sq += d * d;
            }
        }
        return Math.sqrt(sq);
    }

    /** Writes a BF16 checkpoint with config, generation config and tokenizer, replacing {@code dir}. */
    static void save(Path dir, ModelConfig config, Map<String, float[]> values) {
        List<TensorInfo> plan = new ArrayList<>();
        TrainableLlama.shapes(config).forEach((name, shape) -> plan.add(new TensorInfo(name, DType.BF16, shape)));
        try (CheckpointWriter w = CheckpointWriter.create(dir, plan, Long.MAX_VALUE, true)) {
            for (TensorInfo info : plan) {
                float[] v = values.get(info.name());
                w.writeFloats(info.name(), 0, v, 0, v.length);
            }
            ObjectNode cfg = config.toJson();
            cfg.put("torch_dtype", "bfloat16");
            w.writeFile("config.json", Json.pretty(cfg));
            ObjectNode gen = JSON.createObjectNode();
            gen.put("bos_token_id", config.bosTokenId());
            gen.put("eos_token_id", config.eosTokenId());
            gen.put("pad_token_id", CharTokenizer.PAD);
            gen.put("do_sample", false);
            gen.put("max_new_tokens", 16);
            w.writeFile("generation_config.json", Json.pretty(gen));
            w.writeFile("tokenizer.json", CharTokenizer.tokenizerJson());
            w.writeFile("tokenizer_config.json", CharTokenizer.tokenizerConfigJson());
            w.commit();
        }
    }

    /** Greedy exact-match accuracy per skill on the heldout slice, through the runtime. */
    Map<Skill, Double> heldoutAccuracy(Path dir, EvalSets eval) {
        Map<Skill, Double> acc = new EnumMap<>(Skill.class);
        RuntimeOptions options = RuntimeOptions.defaults().withIntraOpThreads(spec.threads());
        try (LlamaModel model = LlamaModel.load(dir, options)) {
            for (Skill s : Skill.values()) {
                List<Skill.Example> ex = eval.heldout(s);
                List<String> got = model.generate(ex.stream().map(Skill.Example::prompt).toList(),
                        new LanguageModel.Generation(12, List.of("\n")));
                int ok = 0;
                for (int i = 0; i < ex.size(); i++) {
                    ok += got.get(i).trim().equals(ex.get(i).answer()) ? 1 : 0;
                }
                acc.put(s, (double) ok / ex.size());
            }
        }
        return acc;
    }
}
