package dev.evomerge.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015, Algorithm 1) with bias correction and global-norm gradient clipping, updating the
 * parameters in place after a backward pass and zeroing their gradients (PyTorch accumulates them).
 */
final class Adam implements AutoCloseable {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.98;
    private static final double EPS = 1e-8;

    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private int t;
    private List<String> nonFinite = List.of();

    Adam(NDManager parent, Map<String, NDArray> params) {
        this.manager = parent.newSubManager();
        this.params = params;
        params.forEach((k, p) -> {
            m.put(k, manager.zeros(p.getShape()));
            v.put(k, manager.zeros(p.getShape()));
        });
    }

    /**
     * One update with learning rate {@code lr}; returns the gradient norm before clipping. A non-finite norm skips
     * the update (gradients are zeroed, the moments and step count untouched) instead of clipping by
     * {@code clipNorm / inf = 0}, which turns every infinite entry into NaN (0 x inf) and poisons the weights.
     */
    double step(double lr, double clipNorm) {
        try (NDScope scope = new NDScope(); NDManager sm = manager.newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            double sq = 0;
            List<String> bad = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(sm);
                grads.put(e.getKey(), g);
                double gsq = g.square().sum().getFloat();
                if (!Double.isFinite(gsq)) {
                    bad.add(e.getKey());
                }
                sq += gsq;
            }
            nonFinite = List.copyOf(bad);
            double norm = Math.sqrt(sq);
            if (!Double.isFinite(norm)) {
                // inf - inf is NaN: overwrite the non-finite entries before zeroing by subtraction.
                grads.values().forEach(g -> {
                    g.set(g.isNaN().logicalOr(g.isInfinite()), 0f);
                    g.subi(g);
                });
                return norm;
            }
            t++;
            float clip = (float) (norm > clipNorm ? clipNorm / norm : 1.0);
            double bc1 = 1 - Math.pow(BETA1, t);
            double bc2 = 1 - Math.pow(BETA2, t);
            float stepSize = (float) (lr * Math.sqrt(bc2) / bc1);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = grads.get(e.getKey()).mul(clip);
                NDArray mk = m.get(e.getKey());
                NDArray vk = v.get(e.getKey());
                mk.muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
                vk.muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
                // Kingma and Ba's efficient form: theta -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps').
                e.getValue().subi(mk.div(vk.sqrt().addi((float) EPS)).muli(stepSize));
                grads.get(e.getKey()).subi(grads.get(e.getKey()));
            }
            return norm;
        }
    }

    /** The parameters whose gradient had a non-finite squared norm at the last step. */
    List<String> nonFinite() {
        return nonFinite;
    }

    @Override
    public void close() {
        manager.close();
    }
}
