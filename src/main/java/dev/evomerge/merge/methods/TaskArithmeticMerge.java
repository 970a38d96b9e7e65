package dev.evomerge.merge.methods;

import java.util.ArrayList;
import java.util.List;

/**
 * mergekit's generalized task arithmetic ({@code generalized_task_arithmetic.py} + {@code sparsify.py}), which
 * covers {@code task_arithmetic}, {@code ties}, {@code dare_ties}, {@code dare_linear}, {@code breadcrumbs},
 * {@code breadcrumbs_ties}, {@code della} and {@code della_linear}.
 *
 * <p>For one tensor, with base b and models x_1..x_N (the base excluded):
 * <ol>
 * <li>task vectors {@code d_j = x_j - b} (float32);</li>
 * <li>sparsify each (unless {@code density >= 1}, which leaves d_j untouched and unrescaled, as mergekit does):
 * <ul>
 * <li>{@code magnitude} (ties): keep the {@code k = int(density * n)} largest |d|; {@code k == 0} is an error
 * (mergekit asserts);</li>
 * <li>{@code random} (dare_*): keep each element with probability {@code float(density)}, drawn from
 * {@link CounterRng} with the stream of (seed, tensor name, model index j, 0-based in {@code models});</li>
 * <li>{@code magnitude_outliers} (breadcrumbs*): with {@code target = int(density*n)},
 * {@code n_top = int(gamma*n)}, {@code n_bot = n - target - n_top} (if negative, {@code n_top += n_bot; n_bot = 0}),
 * keep ascending ranks {@code [n_bot, n - n_top)};</li>
 * <li>{@code della_magprune} (della*): see {@link DellaMask}; {@code density <= 0} keeps nothing;
 * {@code density +- epsilon} outside (0, 1) is an error, as in mergekit.</li>
 * </ul>
 * Ranks are positions in the ascending order of {@code (|d|, index)}, found by {@link MagnitudeSelect} in linear
 * time; mergekit's argsort leaves the order among equal magnitudes unspecified;</li>
 * <li>if {@code rescale}: multiply the masked vector by {@code ||d||_1 / ||masked||_1} (DARE's rescale as
 * mergekit implements it, {@code rescaled_masked_tensor} with the L1 norm, not 1/p), unless either norm is below
 * 1e-7 (then no scaling). Norms are summed in double ({@link Reduce#sumAbs} per chunk, chunks and then blocks in
 * order); mergekit sums in float32, so the factor may differ from mergekit's in its last bit;</li>
 * <li>{@code wd_j = sd_j * float(weight_j)}; without consensus {@code mixed = sum_j wd_j}, divisor
 * {@code sum_j weight_j} (replaced by 1 when {@code |divisor| < 1e-8}); with TIES "sum" consensus see
 * {@link Kernels#combineConsensus} (divisor replaced by 1 only when exactly 0);</li>
 * <li>{@code if normalize: mixed /= divisor}; {@code if lambda != 1: mixed *= lambda};
 * {@code out = b + mixed}.</li>
 * </ol>
 * All element arithmetic is float32 in mergekit's order (as torch on CPU with float32 tensors; a mergekit config
 * with {@code dtype: bfloat16} would compute in bf16 instead). Zero models return the base. {@code int8_mask} only
 * changes mergekit's mask storage type and has no effect on the result. Signed zeros may differ from mergekit
 * (masking here selects 0 where torch multiplies by 0).
 */
final class TaskArithmeticMerge extends AbstractMerge {
    /** mergekit's {@code SparsificationMethod}, plus none. */
    enum Sparsification { NONE, MAGNITUDE, RANDOM, MAGNITUDE_OUTLIERS, DELLA }

    /** The method-wide parameter choosing TIES's sign election: {@code sum} (the paper's) or {@code count}. */
    static final String CONSENSUS = "consensus_method";
    /** {@code consensus_method: count} as its resolved number (the choice's index). */
    private static final double COUNT = 1;

    /** How the weighted task vectors are combined: summed, or TIES's sign election ("sum" consensus). */
    enum Consensus { NONE, SUM }

    /** Which of {@code normalize} and {@code rescale} default to true. */
    enum Defaults {
        NEITHER(false, false), NORMALIZE(true, false), RESCALE(false, true), NORMALIZE_AND_RESCALE(true, true);

        final boolean normalize;
        final boolean rescale;

        Defaults(boolean normalize, boolean rescale) {
            this.normalize = normalize;
            this.rescale = rescale;
        }
    }

    /** mergekit's registered task-arithmetic methods ({@code registry.py}), in its order. */
    enum Variant {
        TASK_ARITHMETIC("task_arithmetic", Sparsification.NONE, Consensus.NONE, Defaults.NEITHER),
        TIES("ties", Sparsification.MAGNITUDE, Consensus.SUM, Defaults.NORMALIZE),
        DARE_TIES("dare_ties", Sparsification.RANDOM, Consensus.SUM, Defaults.RESCALE),
        DARE_LINEAR("dare_linear", Sparsification.RANDOM, Consensus.NONE, Defaults.RESCALE),
        BREADCRUMBS("breadcrumbs", Sparsification.MAGNITUDE_OUTLIERS, Consensus.NONE, Defaults.NEITHER),
        BREADCRUMBS_TIES("breadcrumbs_ties", Sparsification.MAGNITUDE_OUTLIERS, Consensus.SUM, Defaults.NEITHER),
        DELLA("della", Sparsification.DELLA, Consensus.SUM, Defaults.NORMALIZE_AND_RESCALE),
        DELLA_LINEAR("della_linear", Sparsification.DELLA, Consensus.NONE, Defaults.RESCALE);

        final String methodName;
        final Sparsification sparsification;
        final Consensus consensus;
        final Defaults defaults;

        Variant(String methodName, Sparsification sparsification, Consensus consensus, Defaults defaults) {
            this.methodName = methodName;
            this.sparsification = sparsification;
            this.consensus = consensus;
            this.defaults = defaults;
        }

        MethodSpec spec() {
            List<Param> globals = new ArrayList<>(List.of(Param.flag("int8_mask", false),
                    Param.flag("normalize", defaults.normalize), Param.flag("rescale", defaults.rescale),
                    Param.number("lambda", 1.0)));
            if (consensus == Consensus.SUM) {
                globals.add(Param.choice(CONSENSUS, "sum", "sum", "count"));
            }
            List<Param> perModel = new ArrayList<>(List.of(Param.required("weight"),
                    Param.number("density", 1.0, Range.FRACTION)));
            switch (sparsification) {
                case MAGNITUDE_OUTLIERS -> perModel.add(Param.number("gamma", 0.01, Range.UNIT));
                case DELLA -> perModel.add(Param.number("epsilon", 0.15, Range.UNIT_OPEN_ABOVE));
                default -> {
                }
            }
            return MethodSpec.of(methodName, BaseModelUse.REQUIRED, globals, perModel);
        }
    }

    private final boolean consensus;
    private final Sparsification sparsification;

    TaskArithmeticMerge(Variant variant) {
        super(variant.spec());
        this.consensus = variant.consensus == Consensus.SUM;
        this.sparsification = variant.sparsification;
    }

    @Override
    void merge(TensorInput in, Params p, float[] out, Execution ex) {
        float[] b = in.base();
        int n = b.length;
        int models = in.modelCount();
        if (models == 0) {
            System.arraycopy(b, 0, out, 0, n);
            return;
        }
        float[][] xs = new float[models][];
        for (int j = 0; j < models; j++) {
            xs[j] = in.model(j);
        }
        Plan plan = plan(p, in.tensorName(), in.shape(), in.seed(), Inputs.of(b, xs, n), ex);
        BlockMerge.runAll(ex, plan.in, plan::merge, out);
    }

    /** Steps 1 to 3 of the class comment, the weights not yet applied (see {@link TaskVectors}). */
    TaskVectors taskVectors(TensorInput in, Execution ex) {
        Checks.base(this, in);
        Params p = Params.resolve(this, in);
        float[] b = in.base();
        int n = b.length;
        int models = in.modelCount();
        float[][] xs = new float[models][];
        for (int j = 0; j < models; j++) {
            xs[j] = in.model(j);
        }
        Plan plan = plan(p, in.tensorName(), in.shape(), in.seed(), Inputs.of(b, xs, n), ex);
        float[][] sd = new float[models][n];
        float[] chunk = new float[Blocks.CHUNK];
        for (int j = 0; j < models; j++) {
            for (int lo = 0; lo < n; lo += Blocks.CHUNK) {
                int len = Math.min(Blocks.CHUNK, n - lo);
                plan.sp[j].apply(xs[j], b, lo, len, plan.scale[j], chunk, plan.simd);
                System.arraycopy(chunk, 0, sd[j], lo, len);
            }
        }
        return new TaskVectors(sd, consensus, plan.countSigns, plan.normalize, plan.lambda);
    }

    @Override
    boolean streams(TensorSpec spec) {
        return true;
    }

    @Override
    ChunkedMerge chunked(TensorSpec spec, Params p, ChunkReader reader, Execution ex) {
        int n = spec.numel();
        int models = spec.modelCount();
        Inputs in = Inputs.of(reader, n, models, true);
        if (models == 0) {
            return new BlockMerge(n, (ch, out, outOff) -> System.arraycopy(ch.base, ch.off, out, outOff, ch.len), in);
        }
        Plan plan = plan(p, spec.tensorName(), spec.shape(), spec.seed(), in, ex);
        return new BlockMerge(n, plan::merge, in);
    }

    /** One tensor with its sparsifiers, rescale factors and combination fixed: the element-wise final pass. */
    private final class Plan {
        final Inputs in;
        final Sparsifier[] sp;
        final float[] w;
        final float[] scale;
        final boolean normalize;
        final float lambda;
        final float linearDivisor;
        final boolean simd;
        final boolean countSigns;
        final ThreadLocal<float[][]> sd;

        Plan(Inputs in, Sparsifier[] sp, float[] w, float[] scale, boolean normalize, float lambda,
                float linearDivisor, boolean simd, boolean countSigns) {
            this.countSigns = countSigns;
            this.in = in;
            this.sp = sp;
            this.w = w;
            this.scale = scale;
            this.normalize = normalize;
            this.lambda = lambda;
            this.linearDivisor = linearDivisor;
            this.simd = simd;
            int models = w.length;
            this.sd = ThreadLocal.withInitial(() -> new float[models][Blocks.CHUNK]);
        }

        void merge(Inputs.Chunk ch, float[] out, int outOff) {
            float[][] d = sd.get();
            for (int j = 0; j < sp.length; j++) {
                sp[j].apply(ch.xs[j], ch.base, ch.off, ch.index, ch.len, scale[j], d[j], simd);
            }
            if (consensus) {
                Kernels.combineConsensus(d, w, ch.base, ch.off, ch.len, countSigns, normalize, lambda, out, outOff,
                        simd);
            } else {
                Kernels.combineLinear(d, w, ch.base, ch.off, ch.len, normalize, linearDivisor, lambda, out, outOff,
                        simd);
            }
        }
    }

    private Plan plan(Params p, String tensorName, long[] shape, long seed, Inputs in, Execution ex) {
        int models = in.models();
        float[] w = new float[models];
        for (int j = 0; j < models; j++) {
            w[j] = (float) p.model(j, "weight");
        }
        Sparsifier[] sp = sparsifiers(tensorName, shape, seed, p, in, ex);
        float[] scale = new float[models];
        java.util.Arrays.fill(scale, 1f);
        if (p.flag("rescale")) {
            rescaleFactors(ex, in, sp, scale);
        }
        float divisor = 0f;
        for (float wj : w) {
            divisor += wj;
        }
        if (Math.abs(divisor) < 1e-8f) {
            divisor = 1f;
        }
        boolean countSigns = consensus && p.global(CONSENSUS) == COUNT;
        return new Plan(in, sp, w, scale, p.flag("normalize"), (float) p.global("lambda"), divisor, ex.simd(),
                countSigns);
    }

    private Sparsifier[] sparsifiers(String tensorName, long[] shape, long seed, Params p, Inputs in, Execution ex) {
        int models = in.models();
        int n = in.n();
        Sparsifier[] sp = new Sparsifier[models];
        int[][] windows = new int[models][];
        for (int j = 0; j < models; j++) {
            double density = p.model(j, "density");
            if (density < 0) {
                throw p.error("density of model " + j + " must be >= 0, but was " + density);
            }
            sp[j] = Sparsifier.DENSE;
            if (sparsification == Sparsification.NONE || density >= 1) {
                continue;
            }
            switch (sparsification) {
                case MAGNITUDE -> {
                    long k = (long) (density * n);
                    if (k <= 0) {
                        throw p.error("density " + density + " of model " + j + " keeps int(density * " + n
                                + ") = 0 elements (mergekit refuses to zero a whole task vector); raise density");
                    }
                    windows[j] = new int[] {(int) (n - k), n};
                }
                case MAGNITUDE_OUTLIERS -> {
                    double gamma = p.model(j, "gamma");
                    if (gamma < 0 || gamma > 1) {
                        throw p.error("gamma of model " + j + " must be in [0, 1], but was " + gamma);
                    }
                    long target = (long) (density * n);
                    long top = (long) (gamma * n);
                    long bottom = n - target - top;
                    if (bottom < 0) {
                        top += bottom;
                        bottom = 0;
                    }
                    windows[j] = new int[] {(int) bottom, (int) (n - top)};
                }
                case RANDOM -> sp[j] = Sparsifier.Bernoulli.of(CounterRng.streamKey(seed, tensorName, j),
                        (float) density);
                case DELLA -> sp[j] = della(tensorName, shape, seed, p, j, in, density, ex);
                case NONE -> throw new AssertionError();
            }
        }
        int[][] ranks = new int[models][];
        boolean any = false;
        for (int j = 0; j < models; j++) {
            int[] win = windows[j];
            if (win == null) {
                continue;
            }
            if (win[0] >= win[1]) {
                sp[j] = Sparsifier.NONE;
                windows[j] = null;
                continue;
            }
            List<Integer> r = new ArrayList<>(2);
            if (win[0] > 0) {
                r.add(win[0]);
            }
            if (win[1] < n) {
                r.add(win[1] - 1);
            }
            if (r.isEmpty()) {
                continue;
            }
            ranks[j] = r.stream().mapToInt(Integer::intValue).toArray();
            any = true;
        }
        MagnitudeSelect.Selection sel = any ? MagnitudeSelect.find(ex, in, ranks, 4.0)
                : new MagnitudeSelect.Selection(new MagnitudeSelect.Threshold[models][], null, n);
        for (int j = 0; j < models; j++) {
            int[] win = windows[j];
            if (win == null) {
                continue;
            }
            sp[j] = MagnitudeSelect.window(ex, in, j, win[0], win[1], sel, 0, win[0] > 0 ? 1 : 0);
        }
        return sp;
    }

    private static Sparsifier della(String tensorName, long[] shape, long seed, Params p, int j, Inputs in,
            double density, Execution ex) {
        if (density <= 0) {
            return Sparsifier.NONE;
        }
        double epsilon = p.model(j, "epsilon");
        if (density + epsilon >= 1 || density - epsilon <= 0) {
            throw p.error("density +/- epsilon of model " + j + " must lie in (0, 1), but density " + density
                    + " and epsilon " + epsilon + " give [" + (density - epsilon) + ", " + (density + epsilon) + "]");
        }
        DellaMask.Rows rows = DellaMask.Rows.of(shape, in.n());
        if (rows.length() < 2) {
            throw p.error("della ranks magnitudes within rows along dimension 1, which have " + rows.length()
                    + " element(s) here; mergekit fails on such rows (0/0 probabilities)");
        }
        return new Sparsifier.Mask(DellaMask.compute(ex, in, j, rows, density, epsilon,
                CounterRng.streamKey(seed, tensorName, j)));
    }

    /** L1 rescale factors {@code ||d||_1 / ||masked||_1} per sparsified model, 1 where a norm is below 1e-7. */
    private static void rescaleFactors(Execution ex, Inputs in, Sparsifier[] sp, float[] scale) {
        int models = in.models();
        int n = in.n();
        int blocks = Blocks.count(n, Blocks.BLOCK);
        double[][] before = new double[models][blocks];
        double[][] after = new double[models][blocks];
        boolean simd = ex.simd();
        Blocks.forEachBlock(ex, n, (blk, lo, hi) -> {
            float[] masked = new float[Blocks.CHUNK];
            float[] delta = new float[Blocks.CHUNK];
            double[] sumBefore = new double[models];
            double[] sumAfter = new double[models];
            Inputs.Chunk ch = in.chunk();
            for (int c = lo; c < hi; c += Blocks.CHUNK) {
                int len = Math.min(Blocks.CHUNK, hi - c);
                ch.load(c, len);
                for (int j = 0; j < models; j++) {
                    if (!sp[j].sparsifies()) {
                        continue;
                    }
                    sp[j].apply(ch.xs[j], ch.base, ch.off, c, len, 1f, masked, simd);
                    Kernels.delta(ch.xs[j], ch.base, ch.off, len, 1f, delta, simd);
                    sumBefore[j] += Reduce.sumAbs(delta, len);
                    sumAfter[j] += Reduce.sumAbs(masked, len);
                }
            }
            for (int j = 0; j < models; j++) {
                before[j][blk] = sumBefore[j];
                after[j][blk] = sumAfter[j];
            }
        });
        for (int j = 0; j < models; j++) {
            if (!sp[j].sparsifies()) {
                continue;
            }
            double sb = 0;
            double sa = 0;
            for (int blk = 0; blk < blocks; blk++) {
                sb += before[j][blk];
                sa += after[j][blk];
            }
            scale[j] = l1Factor(sb, sa);
        }
    }

    /** mergekit {@code rescaled_masked_tensor} with the L1 norm: the float32 ratio, or 1 below eps = 1e-7. */
    static float l1Factor(double before, double after) {
        float fb = (float) before;
        float fa = (float) after;
        if (fb < 1e-7f || fa < 1e-7f) {
            return 1f;
        }
        return fb / fa;
    }
}
