package dev.evomerge.search.refine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.evomerge.UserError;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.TensorTask;
import dev.evomerge.merge.methods.Execution;
import dev.evomerge.merge.methods.MergeMethods;
import dev.evomerge.merge.methods.TaskVectors;
import dev.evomerge.merge.methods.TensorInput;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.TextTokenizer;
import dev.evomerge.model.TrainableLlama;
import dev.evomerge.search.CandidateMerger;
import dev.evomerge.search.Genome;
import dev.evomerge.search.SearchSlice;
import dev.evomerge.search.space.MergeSpace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;

/**
 * The search-slice loss of a task-arithmetic, TIES or DARE merge as a differentiable function of the space's weight
 * genes (AdaMerging-style, Yang et al. ICLR 2024, but supervised on the search slice's targets).
 *
 * <p>Per tensor, task arithmetic is {@code out = b + lambda * (sum_j w_j (x_j - b)) / D} with D = sum_j w_j when
 * {@code normalize} is set, else 1 (mergekit's generalized task arithmetic without sparsification). The sparsified
 * methods (TIES, DARE, ...) put {@code sd_j}, the task vector masked and rescaled by the method's own code
 * ({@link TaskVectors}), in place of {@code x_j - b}: the masks depend on the densities and the seed, not on a weight,
 * so they are computed once. TIES's sign election does depend on the weights; it is taken at each genome (see
 * {@link #elected}), so the forward pass builds exactly the engine's merge. Each weight
 * {@code w_j} of a tensor is an affine function of at most one gene (the space maps a gene g in [0, 1] to
 * {@code min + g (max - min)}); which gene, and its slope, is read off the merge plans of the genome and of the genome
 * with each gene moved, so the layer groups, filters and slices are the space's own decoding, not a second copy of it.
 * A gene that changes anything else (a method-wide parameter, a density, a discrete value) is held fixed: its
 * gradient is 0.
 *
 * <p>Memory: one float32 copy of the base, plus per tensor whose weights a trainable gene moves the task vectors of
 * the sources with trainable weights and one sum of the fixed ones; tensors no trainable gene touches are kept merged.
 * The forward pass builds the merged weights in the autograd graph (one more model-size float32 copy while a step
 * runs). Under sign election every source's vector is held (see {@link Term}).
 */
public final class MergeGradient implements GradientOracle, AutoCloseable {
    /**
     * Tokens (rows x longest row) per forward pass; gradients accumulate over the chunks of the slice. The zoo's
     * search slice (600 rows of about 25 tokens) takes two passes; activations grow with tokens x hidden x layers.
     */
    static final int CHUNK_TOKENS = 8192;

    /**
     * One merged tensor: constant, or base + lambda (fixed + sum_j w_j tau_j) / D with some w_j trainable (tau_j the
     * method's sparsified task vectors; fixed: the sum over sources whose weight no trainable gene moves, null when
     * there are none). Under TIES's sign election ({@code consensus}) every source keeps its own tau (gene -1 where
     * its weight is fixed), since which elements it contributes depends on all the weights.
     */
    private record Term(String name, NDArray constant, NDArray base, NDArray fixed, double fixedWeight,
                        int[] genes, double[] w0, double[] slope, NDArray[] tau, double lambda, boolean normalize,
                        boolean consensus, boolean countSigns) {
    }

    private final NDManager manager;
    private final ModelConfig config;
    private final List<Term> terms;
    private final double[] origin;
    private final boolean[] trainable;
    private final TargetDocs docs;

    private MergeGradient(NDManager manager, ModelConfig config, List<Term> terms, double[] origin,
                          boolean[] trainable, TargetDocs docs) {
        this.manager = manager;
        this.config = config;
        this.terms = terms;
        this.origin = origin;
        this.trainable = trainable;
        this.docs = docs;
    }

    /**
     * The loss around genome {@code at} of {@code space} (a parameter space over one task-arithmetic method), over the
     * sources {@code merger} holds open, on {@code slice}'s targets tokenized with {@code tokenizer}.
     */
    public static MergeGradient create(MergeSpace space, CandidateMerger merger, SearchSlice slice, Path tokenizer,
                                       Genome at, int threads) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        if (space.dfs() != null || space.methods().size() != 1
                || !TaskVectors.covers(MergeMethods.get(space.methods().getFirst()))) {
            throw new UserError("gradient refinement needs a parameter-space search over one task-arithmetic method"
                    + " (task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs, della), but " + space.file()
                    + " searches " + (space.dfs() != null ? "a layer path" : space.methods()));
        }
        MergePlan plan = merger.plan(space.decode(at).recipe(), "refinement");
        ModelConfig config = ModelConfig.fromJson(plan.config());
        if (config.architecture() != ModelConfig.Architecture.LLAMA || config.attentionBias()
                || config.ropeScaling() != null || config.tieWordEmbeddings()) {
            throw new UserError("gradient refinement supports plain untied Llama models (no attention bias, no rope"
                    + " scaling), but " + space.file() + " merges a " + config.architecture() + " model");
        }
        int dim = space.dimension();
        int tasks = plan.tasks().size();
        int[][] geneOf = new int[tasks][];
        double[][] slopeOf = new double[tasks][];
        for (int t = 0; t < tasks; t++) {
            geneOf[t] = new int[plan.tasks().get(t).models().size()];
            java.util.Arrays.fill(geneOf[t], -1);
            slopeOf[t] = new double[geneOf[t].length];
        }
        boolean[] trainable = new boolean[dim];
        for (int i = 0; i < dim; i++) {
            trainable[i] = probe(space, merger, plan, at, i, geneOf, slopeOf);
        }
        for (int t = 0; t < tasks; t++) {
            for (int j = 0; j < geneOf[t].length; j++) {
                if (geneOf[t][j] >= 0 && !trainable[geneOf[t][j]]) {
                    geneOf[t][j] = -1;
                }
            }
        }
        NDManager root = Engine.getEngine("PyTorch").newBaseManager();
        try {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(Math.max(1, threads));
            List<Term> terms = new ArrayList<>();
            Execution ex = Execution.on(ForkJoinPool.commonPool());
            for (int t = 0; t < tasks; t++) {
                terms.add(term(root, plan.tasks().get(t), geneOf[t], slopeOf[t], ex));
            }
            TargetDocs docs;
            try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
                docs = TargetDocs.of(slice, tok, config.bosTokenId(), space.objective().weights(),
                        config.maxPositionEmbeddings());
            }
            return new MergeGradient(root, config, terms, at.genes(), trainable, docs);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /**
     * Moves gene {@code i} and compares the plans: records which task/model weights it drives and their slope.
     * Returns whether the gene is trainable (drives only weights, affinely, and no weight another gene drives).
     */
    private static boolean probe(MergeSpace space, CandidateMerger merger, MergePlan plan, Genome at, int i,
                                 int[][] geneOf, double[][] slopeOf) {
        double g = at.gene(i);
        double d1 = g <= 0.5 ? 0.25 : -0.25;
        MergePlan p1 = moved(space, merger, at, i, g + d1);
        MergePlan p2 = moved(space, merger, at, i, g + d1 / 2);
        boolean drives = false;
        for (int t = 0; t < plan.tasks().size(); t++) {
            TensorTask a = plan.tasks().get(t);
            TensorTask b = p1.tasks().get(t);
            TensorTask c = p2.tasks().get(t);
            if (!a.output().name().equals(b.output().name()) || !a.globalParams().equals(b.globalParams())
                    || !a.globalParams().equals(c.globalParams()) || a.models().size() != b.models().size()
                    || a.isCopy() != b.isCopy()) {
                return false;
            }
            for (int j = 0; j < a.models().size(); j++) {
                Map<String, Double> pa = a.modelParams().get(j);
                Map<String, Double> pb = b.modelParams().get(j);
                Map<String, Double> pc = c.modelParams().get(j);
                for (String k : pa.keySet()) {
                    if (!k.equals("weight") && !(pa.get(k).equals(pb.get(k)) && pa.get(k).equals(pc.get(k)))) {
                        return false;
                    }
                }
                double w = pa.get("weight");
                double s1 = (pb.get("weight") - w) / d1;
                double s2 = (pc.get("weight") - w) / (d1 / 2);
                if (s1 == 0 && s2 == 0) {
                    continue;
                }
                if (Math.abs(s1 - s2) > 1e-9 * Math.max(Math.abs(s1), Math.abs(s2)) || a.isCopy()
                        || (geneOf[t][j] >= 0 && geneOf[t][j] != i)) {
                    return false;
                }
                geneOf[t][j] = i;
                slopeOf[t][j] = s1;
                drives = true;
            }
        }
        return drives;
    }

    private static MergePlan moved(MergeSpace space, CandidateMerger merger, Genome at, int i, double value) {
        double[] genes = at.genes();
        genes[i] = value;
        return merger.plan(space.decode(new Genome(genes)).recipe(), "refinement probe");
    }

    private static Term term(NDManager m, TensorTask task, int[] geneOf, double[] slopeOf, Execution ex) {
        String name = task.output().name();
        Shape shape = new Shape(task.output().shape());
        if (task.isCopy()) {
            TensorTask.Input in = task.models().getFirst();
            return constant(name, m.create(in.source().readFloats(in.name()), shape));
        }
        float[] base = task.base().source().readFloats(task.base().name());
        int models = task.models().size();
        float[][] xs = new float[models][];
        for (int j = 0; j < models; j++) {
            TensorTask.Input in = task.models().get(j);
            xs[j] = in.source().readFloats(in.name());
        }
        TensorInput input = new TensorInput(name, task.output().shape(), base, xs, task.modelParams(),
                task.globalParams(), task.seed());
        // The masks and rescale factors depend on the densities and the seed, never on a weight: fixed once here.
        TaskVectors tv = TaskVectors.of(task.method(), input, ex);
        float[][] sd = tv.sparsified();
        boolean tunedAny = false;
        for (int g : geneOf) {
            tunedAny |= g >= 0;
        }
        if (tv.consensus()) {
            if (!tunedAny) {
                return constant(name, m.create(task.method().merge(input, ex), shape));
            }
            double[] w0 = new double[models];
            double[] slope = new double[models];
            NDArray[] taus = new NDArray[models];
            for (int j = 0; j < models; j++) {
                w0[j] = task.modelParams().get(j).get("weight");
                slope[j] = geneOf[j] >= 0 ? slopeOf[j] : 0;
                taus[j] = m.create(sd[j], shape);
            }
            return new Term(name, null, m.create(base, shape), null, 0, geneOf.clone(), w0, slope, taus,
                    tv.lambda(), tv.normalize(), true, tv.countSigns());
        }
        float[] fixed = new float[base.length];
        double fixedWeight = 0;
        List<Integer> tuned = new ArrayList<>();
        List<NDArray> taus = new ArrayList<>();
        for (int j = 0; j < models; j++) {
            double w = task.modelParams().get(j).get("weight");
            if (geneOf[j] >= 0) {
                tuned.add(j);
                taus.add(m.create(sd[j], shape));
            } else {
                fixedWeight += w;
                for (int k = 0; k < base.length; k++) {
                    fixed[k] += (float) w * sd[j][k];
                }
            }
        }
        if (tuned.isEmpty()) {
            double div = tv.normalize() ? divisor(fixedWeight) : 1;
            for (int k = 0; k < base.length; k++) {
                base[k] += (float) (tv.lambda() * fixed[k] / div);
            }
            return constant(name, m.create(base, shape));
        }
        int[] genes = new int[tuned.size()];
        double[] w0 = new double[tuned.size()];
        double[] slope = new double[tuned.size()];
        for (int i = 0; i < genes.length; i++) {
            int j = tuned.get(i);
            genes[i] = geneOf[j];
            w0[i] = task.modelParams().get(j).get("weight");
            slope[i] = slopeOf[j];
        }
        return new Term(name, null, m.create(base, shape), tuned.size() == models ? null : m.create(fixed, shape),
                fixedWeight, genes, w0, slope, taus.toArray(NDArray[]::new), tv.lambda(), tv.normalize(), false,
                false);
    }

    private static Term constant(String name, NDArray value) {
        return new Term(name, value, null, null, 0, null, null, null, null, 1, false, false, false);
    }

    /** mergekit's divisor: the weights' sum, or 1 when it is (nearly) zero. */
    private static double divisor(double sum) {
        return Math.abs(sum) < 1e-8 ? 1 : sum;
    }

    /** Which genes the loss is differentiable in (the others always get gradient 0). */
    public boolean[] trainable() {
        return trainable.clone();
    }

    /** Bytes of the arrays held between steps: merged constants, bases, fixed sums and task vectors. */
    public long heldBytes() {
        long n = 0;
        for (Term t : terms) {
            for (NDArray a : t.constant() != null ? new NDArray[] {t.constant()}
                    : concat(t.fixed() == null ? new NDArray[] {t.base()} : new NDArray[] {t.base(), t.fixed()},
                    t.tau())) {
                n += a.size() * 4;
            }
        }
        return n;
    }

    private static NDArray[] concat(NDArray[] a, NDArray[] b) {
        NDArray[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** One line for the run's log: what is trained and what it holds. */
    public String describe() {
        int genes = 0;
        int vectors = 0;
        long params = 0;
        for (boolean b : trainable) {
            genes += b ? 1 : 0;
        }
        for (Term t : terms) {
            params += t.constant() != null ? t.constant().size() : t.base().size();
            vectors += t.constant() != null ? 0 : t.tau().length;
        }
        return String.format(java.util.Locale.ROOT, "gradient refinement: %d of %d genes trainable, %d task-vector"
                + " tensors, %.1f MB held for a %.2fM-parameter model (%.2f bytes/parameter), %d search-slice rows",
                genes, trainable.length, vectors, heldBytes() / 1e6, params / 1e6, (double) heldBytes() / params,
                docs.size());
    }

    /** Rows of the search slice the loss is computed on. */
    public int rows() {
        return docs.size();
    }

    @Override
    public Gradient at(Genome genome) {
        if (genome.size() != origin.length) {
            throw new IllegalArgumentException("genome has " + genome.size() + " genes, the space " + origin.length);
        }
        double loss = 0;
        float[] grad;
        try (NDScope scope = new NDScope(); NDManager fm = manager.newSubManager();
             GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            float[] offsets = new float[origin.length];
            for (int i = 0; i < origin.length; i++) {
                offsets[i] = (float) (genome.gene(i) - origin[i]);
            }
            NDArray genes;
            try (NDArray blob = fm.create(offsets, new Shape(origin.length))) {
                genes = blob.duplicate();
            }
            genes.setRequiresGradient(true);
            int to;
            for (int from = 0; from < docs.size(); from = to) {
                int t = 0;
                to = from;
                while (to < docs.size() && (to == from
                        || (long) (to + 1 - from) * Math.max(t, docs.ids().get(to).length) <= CHUNK_TOKENS)) {
                    t = Math.max(t, docs.ids().get(to).length);
                    to++;
                }
                int b = to - from;
                long[] ids = new long[b * t];
                float[] w = new float[b * t];
                float total = 0;
                for (int r = from; r < to; r++) {
                    int[] row = docs.ids().get(r);
                    float[] rw = docs.weights().get(r);
                    for (int p = 0; p < row.length; p++) {
                        ids[(r - from) * t + p] = row[p];
                        w[(r - from) * t + p] = rw[p];
                        total += rw[p];
                    }
                }
                if (total == 0) {
                    continue;
                }
                // One scope per chunk: its merged weights and activations are freed before the next chunk allocates
                // the same sizes again (the allocator reuses them), so a step holds one chunk's arrays, not all.
                // The merged weights are rebuilt per chunk anyway: each backward frees the graph it walked.
                try (NDScope chunk = new NDScope(); NDManager cm = fm.newSubManager();
                     TrainableLlama model = TrainableLlama.over(cm, config, merged(cm, genes))) {
                    // loss() is the mean over the chunk's weights; times their sum it is the chunk's share of the
                    // slice's loss (all weights sum to 1).
                    NDArray l = model.loss(cm, ids, w, b, t).mul(scalar(cm, total));
                    gc.backward(l);
                    loss += l.getFloat();
                }
            }
            grad = genes.getGradient().toFloatArray();
        }
        double[] out = new double[grad.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = trainable[i] ? grad[i] : 0;
        }
        return new Gradient(loss, out);
    }

    /** The merged tensors at {@code genome}, as the forward pass sees them (float32, by output tensor name). */
    Map<String, float[]> weights(Genome genome) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager fm = manager.newSubManager()) {
            float[] offsets = new float[origin.length];
            for (int i = 0; i < origin.length; i++) {
                offsets[i] = (float) (genome.gene(i) - origin[i]);
            }
            for (var e : merged(fm, fm.create(offsets, new Shape(origin.length))).entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
        }
        return out;
    }

    /** Every tensor of the merge at {@code origin + genes}, built in the autograd graph. */
    private Map<String, NDArray> merged(NDManager fm, NDArray genes) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Term term : terms) {
            if (term.constant() != null) {
                out.put(term.name(), term.constant());
                continue;
            }
            if (term.consensus()) {
                out.put(term.name(), elected(fm, genes, term));
                continue;
            }
            NDArray mixed = term.fixed(); // null when every source's weight is trainable
            NDArray weightSum = scalar(fm, (float) term.fixedWeight());
            for (int i = 0; i < term.genes().length; i++) {
                // w = w0 + slope (g - g0): the space's affine gene-to-weight map around the origin genome.
                NDArray w = genes.get(term.genes()[i]).mul(scalar(fm, (float) term.slope()[i]))
                        .add(scalar(fm, (float) term.w0()[i]));
                NDArray part = term.tau()[i].mul(w);
                mixed = mixed == null ? part : mixed.add(part);
                weightSum = weightSum.add(w);
            }
            if (term.normalize()) {
                // mergekit replaces a (nearly) zero divisor by 1; the check uses this genome's value.
                if (Math.abs(weightSum.getFloat()) >= 1e-8f) {
                    mixed = mixed.div(weightSum);
                }
            }
            if (term.lambda() != 1) {
                mixed = mixed.mul(scalar(fm, (float) term.lambda()));
            }
            out.put(term.name(), term.base().add(mixed));
        }
        return out;
    }

    /**
     * TIES's merge of one tensor (see {@link TaskVectors}) at {@code origin + genes}, in the graph. The elected sign
     * and the agreement masks {@code a_j} are step functions of the weights: they are taken at this genome and enter
     * as constants, so the value equals the merge engine's and the gradient is that of the smooth piece the genome
     * lies in, d/dw_k [sum_j a_j w_j sd_j / sum_j a_j w_j] = a_k (sd_k - out) / D per element (with normalize).
     */
    private NDArray elected(NDManager fm, NDArray genes, Term term) {
        int models = term.tau().length;
        NDArray[] w = new NDArray[models];
        NDArray[] wd = new NDArray[models];
        NDArray vote = null;
        for (int j = 0; j < models; j++) {
            w[j] = term.genes()[j] < 0 ? scalar(fm, (float) term.w0()[j])
                    : genes.get(term.genes()[j]).mul(scalar(fm, (float) term.slope()[j]))
                            .add(scalar(fm, (float) term.w0()[j]));
            wd[j] = term.tau()[j].mul(w[j]);
            NDArray v = wd[j].stopGradient();
            v = term.countSigns() ? v.sign() : v;
            vote = vote == null ? v : vote.add(v);
        }
        NDArray positive = vote.gte(0f);
        NDArray negative = positive.logicalNot();
        NDArray mixed = null;
        NDArray divisor = null;
        for (int j = 0; j < models; j++) {
            NDArray d = wd[j].stopGradient();
            NDArray agree = positive.logicalAnd(d.gt(0f)).logicalOr(negative.logicalAnd(d.lt(0f)))
                    .toType(DataType.FLOAT32, false);
            NDArray part = wd[j].mul(agree);
            mixed = mixed == null ? part : mixed.add(part);
            if (term.normalize()) {
                NDArray share = agree.mul(w[j]);
                divisor = divisor == null ? share : divisor.add(share);
            }
        }
        if (term.normalize()) {
            // The engine divides by 1 where no source agrees (the divisor is exactly 0 there, and so is mixed).
            divisor = divisor.add(divisor.stopGradient().eq(0f).toType(DataType.FLOAT32, false));
            mixed = mixed.div(divisor);
        }
        if (term.lambda() != 1) {
            mixed = mixed.mul(scalar(fm, (float) term.lambda()));
        }
        return term.base().add(mixed);
    }

    /** A scalar the autograd graph may keep (see TrainableLlama's note on DJL's temporary number tensors). */
    private static NDArray scalar(NDManager m, float v) {
        try (NDArray blob = m.create(new float[] {v}, new Shape())) {
            return blob.duplicate();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
