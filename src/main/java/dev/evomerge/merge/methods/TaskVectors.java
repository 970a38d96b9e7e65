package dev.evomerge.merge.methods;

import dev.evomerge.UserError;
import java.util.Objects;

/**
 * One tensor's task vectors as mergekit's generalized task arithmetic makes them before any weight multiplies them
 * (steps 1 to 3 of {@link TaskArithmeticMerge}: {@code d_j = x_j - b}, sparsified by the method's mask, L1-rescaled),
 * and how the method then combines them. None of this depends on the per-model weights or lambda: TIES's magnitude
 * trim ranks |d|, DARE's drop draws from the (seed, tensor, model) stream, the rescale factors are ratios of norms of
 * d. Given {@code w_j}, the method's output is
 * <ul>
 * <li>without consensus: {@code b + lambda * (sum_j w_j sd_j) / D}, D = sum_j w_j (1 when |D| < 1e-8) with
 * {@code normalize}, else 1;</li>
 * <li>with consensus (TIES's sign election, Yadav et al. 2023, section 3): per element the elected sign is that of
 * {@code sum_j w_j sd_j} (+ for 0; with {@code countSigns}, of {@code sum_j sign(w_j sd_j)}), {@code a_j = 1} where
 * {@code w_j sd_j} is nonzero with that sign, and the output {@code b + lambda * (sum_j a_j w_j sd_j) / D} with the
 * per-element D = sum_j a_j w_j (1 where it is exactly 0) under {@code normalize}, else 1.</li>
 * </ul>
 * Gradient refinement holds these vectors fixed and trains the weights ({@code search.refine.MergeGradient}).
 *
 * @param sparsified {@code sd_j}, one array per model in recipe order, each of the tensor's length (not copied: they
 *                   may be large)
 * @param consensus  whether the method elects signs (ties, dare_ties, breadcrumbs_ties, della)
 * @param countSigns whether the election counts signs ({@code consensus_method: count}) instead of summing
 * @param normalize  the method's resolved {@code normalize}
 * @param lambda     the method's resolved {@code lambda}
 */
public record TaskVectors(float[][] sparsified, boolean consensus, boolean countSigns, boolean normalize,
                          float lambda) {

    public TaskVectors {
        Objects.requireNonNull(sparsified, "sparsified");
    }

    /** Whether {@code method} is one of the generalized task-arithmetic methods ({@link #of} accepts it). */
    public static boolean covers(MergeMethod method) {
        return method instanceof TaskArithmeticMerge;
    }

    /**
     * The task vectors of {@code in} under {@code method}, exactly as the method's merge makes them.
     *
     * @throws UserError when {@code method} is not a task-arithmetic method, or as its merge would
     */
    public static TaskVectors of(MergeMethod method, TensorInput in, Execution ex) {
        if (!(method instanceof TaskArithmeticMerge ta)) {
            throw new UserError("tensor " + in.tensorName() + " is merged with " + method.name() + ", which has no"
                    + " task vectors (task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs, della have)");
        }
        return ta.taskVectors(in, ex);
    }

    @Override
    public float[][] sparsified() {
        return sparsified.clone();
    }
}
