package dev.evomerge.report;

import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Genome;
import dev.evomerge.search.JournalEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A report from synthetic data, for README and for looking at the plots: four strategies spend the same budget on a
 * made-up smooth objective over three genes. Nothing here is a measurement. Regenerate the committed example with
 * {@code mvn -o -q test -Dtest=ReportDemoTest -Devomerge.reportDemo=results/examples/report-demo}.
 */
public final class ReportDemo {
    static final List<String> TASKS = List.of("arith", "capitals", "sentiment");
    static final int BUDGET = 36;
    private static final double[] OPTIMUM = {0.62, 0.35, 0.5};

    private ReportDemo() {
    }

    static ReportData data() {
        List<JournalEntry> journal = new ArrayList<>();
        journal.addAll(cmaes(new Random(11)));
        journal.addAll(ga(new Random(12)));
        journal.addAll(random(new Random(13)));
        journal.addAll(grid());
        List<JournalEntry> best = RunReport.top(journal.stream().filter(e -> e.strategy().equals("cmaes")).toList(),
                3);
        Map<String, Map<String, Double>> sources = new LinkedHashMap<>();
        sources.put("zoo/base", scores(0.41, 0.38, 0.55));
        sources.put("zoo/arith-expert", scores(0.71, 0.33, 0.52));
        sources.put("zoo/capitals-expert", scores(0.36, 0.69, 0.50));
        List<ReportData.FinishResult> finish = new ArrayList<>();
        for (int r = 0; r < best.size(); r++) {
            JournalEntry e = best.get(r);
            // Held-out runs a little below the search slice: the search slice was optimized on.
            Map<String, Double> held = new LinkedHashMap<>();
            for (String t : TASKS) {
                held.put(t, e.scores().get(t) - 0.02 - 0.015 * r);
            }
            double combined = held.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            String name = "candidate-" + (r + 1);
            if (r < 2) {
                finish.add(new ReportData.FinishResult(name, e.index(), held, combined, true, null, 0.012 - 0.004 * r,
                        "candidates/" + (r + 1) + "-" + e.index()));
            } else {
                finish.add(new ReportData.FinishResult(name, e.index(), held, combined, false,
                        "#2 capitals >= zoo/base - 0.02", -0.031, null));
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("data", "synthetic (made-up objective; not a measurement)");
        settings.put("seed", "11");
        settings.put("search space", "search-spaces/demo-ties.yaml (3 genes)");
        settings.put("workers", "2");
        return new ReportData("report-demo", "cmaes", BUDGET, settings, new ReportData.Timings(412.5, 63.0), TASKS,
                journal, 5, sources, finish, sweep(), pareto());
    }

    private static Map<String, Double> scores(double a, double c, double s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("arith", a);
        m.put("capitals", c);
        m.put("sentiment", s);
        return m;
    }

    /** The made-up objective: a smooth bump per task around a shared optimum, traded off between tasks by gene 0. */
    private static Map<String, Double> objective(double[] g) {
        double d = 0;
        for (int k = 0; k < 3; k++) {
            d += (g[k] - OPTIMUM[k]) * (g[k] - OPTIMUM[k]);
        }
        double common = 0.62 - 0.8 * d;
        return scores(clamp01(common + 0.12 * (g[0] - 0.5)), clamp01(common - 0.12 * (g[0] - 0.5)),
                clamp01(common - 0.05 * g[2]));
    }

    private static double clamp01(double v) {
        return Math.clamp(v, 0.0, 1.0);
    }

    private static JournalEntry entry(int index, int generation, String strategy, double[] g, long t0) {
        Genome genome = new Genome(g);
        if (g[1] < 0.08) {
            return new JournalEntry(index, generation, strategy, genome, recipe(g), null, Map.of(),
                    Double.NEGATIVE_INFINITY, CandidateStatus.REJECTED, "L2 distance to base 3.1 above ceiling 2.5",
                    0.4, 0, t0 + index * 11_000L);
        }
        Map<String, Double> s = objective(g);
        double fitness = s.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        return new JournalEntry(index, generation, strategy, genome, recipe(g), null, s, fitness,
                CandidateStatus.EVALUATED, null, 0.8, 9.6, t0 + index * 11_000L);
    }

    private static String recipe(double[] g) {
        return String.format(Locale.ROOT, """
                merge_method: ties
                base_model: zoo/base
                models:
                  - model: zoo/arith-expert
                    parameters: {weight: %.3f, density: %.3f}
                  - model: zoo/capitals-expert
                    parameters: {weight: %.3f, density: %.3f}
                parameters: {lambda: %.3f}
                dtype: float32
                """, g[0], g[1], 1 - g[0], g[1], 0.5 + g[2]);
    }

    /** A bare (mu/mu, lambda) evolution strategy with a shrinking step: enough to look like CMA-ES converging. */
    private static List<JournalEntry> cmaes(Random rnd) {
        List<JournalEntry> out = new ArrayList<>();
        double[] mean = {0.5, 0.5, 0.5};
        double sigma = 0.25;
        for (int gen = 0; out.size() < BUDGET; gen++) {
            List<JournalEntry> batch = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                double[] g = new double[3];
                for (int d = 0; d < 3; d++) {
                    g[d] = clamp01(mean[d] + sigma * rnd.nextGaussian());
                }
                JournalEntry e = entry(out.size(), gen, "cmaes", g, 1_700_000_000_000L);
                if (gen >= 2 && e.status().equals(CandidateStatus.EVALUATED) && e.fitness() < 0.6) {
                    e = new JournalEntry(e.index(), gen, "cmaes", e.genome(), e.recipeYaml(), null, e.scores(),
                            e.fitness() - 0.05, CandidateStatus.PRUNED, "cannot beat the 5th best after 32 of 128 items",
                            0.8, 2.4, e.epochMillis());
                }
                out.add(e);
                batch.add(e);
            }
            List<JournalEntry> elite = batch.stream().sorted(Comparator.comparingDouble(JournalEntry::fitness)
                    .reversed()).limit(3).toList();
            for (int d = 0; d < 3; d++) {
                final int dd = d;
                mean[d] = elite.stream().mapToDouble(e -> e.genome().gene(dd)).average().orElseThrow();
            }
            sigma *= 0.72;
        }
        return out;
    }

    /** Tournament selection, blend crossover, Gaussian mutation. */
    private static List<JournalEntry> ga(Random rnd) {
        List<JournalEntry> out = new ArrayList<>();
        List<JournalEntry> pop = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            pop.add(entry(out.size(), 0, "ga", new double[]{rnd.nextDouble(), rnd.nextDouble(), rnd.nextDouble()},
                    1_700_000_500_000L));
            out.add(pop.getLast());
        }
        for (int gen = 1; out.size() < BUDGET; gen++) {
            List<JournalEntry> next = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                JournalEntry a = tournament(pop, rnd);
                JournalEntry b = tournament(pop, rnd);
                double[] g = new double[3];
                for (int d = 0; d < 3; d++) {
                    double u = rnd.nextDouble();
                    g[d] = clamp01(u * a.genome().gene(d) + (1 - u) * b.genome().gene(d) + 0.08 * rnd.nextGaussian());
                }
                JournalEntry e = entry(out.size(), gen, "ga", g, 1_700_000_500_000L);
                out.add(e);
                next.add(e);
            }
            pop = next;
        }
        return out;
    }

    private static JournalEntry tournament(List<JournalEntry> pop, Random rnd) {
        JournalEntry a = pop.get(rnd.nextInt(pop.size()));
        JournalEntry b = pop.get(rnd.nextInt(pop.size()));
        return a.fitness() >= b.fitness() ? a : b;
    }

    private static List<JournalEntry> random(Random rnd) {
        List<JournalEntry> out = new ArrayList<>();
        for (int i = 0; i < BUDGET; i++) {
            out.add(entry(i, i / 6, "random", new double[]{rnd.nextDouble(), rnd.nextDouble(), rnd.nextDouble()},
                    1_700_001_000_000L));
        }
        return out;
    }

    /** A 6 x 6 grid over genes 0 and 1 with gene 2 at its midpoint. */
    private static List<JournalEntry> grid() {
        List<JournalEntry> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                out.add(entry(out.size(), out.size() / 6, "grid", new double[]{0.1 + 0.16 * i, 0.05 + 0.18 * j, 0.5},
                        1_700_001_500_000L));
            }
        }
        return out;
    }

    /** lambda x density, as `evomerge sweep` would run it; one point failed to evaluate. */
    private static ReportData.Sweep sweep() {
        List<Double> lambdas = List.of(0.25, 0.5, 0.75, 1.0, 1.25, 1.5);
        List<Double> densities = List.of(0.1, 0.3, 0.5, 0.7, 0.9);
        double[][] v = new double[densities.size()][lambdas.size()];
        for (int i = 0; i < densities.size(); i++) {
            for (int j = 0; j < lambdas.size(); j++) {
                double l = lambdas.get(j);
                double d = densities.get(i);
                v[i][j] = 0.58 - 0.18 * (l - 0.9) * (l - 0.9) - 0.25 * (d - 0.45) * (d - 0.45);
            }
        }
        v[4][5] = Double.NaN;
        return new ReportData.Sweep("lambda", lambdas, "density", densities, v);
    }

    /** What an nsga2 run over two tasks might leave: points under a concave trade-off curve, a few on it. */
    private static ReportData.ParetoPoints pareto() {
        Random rnd = new Random(14);
        List<double[]> points = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double theta = 0.15 + 1.25 * rnd.nextDouble();
            double r = 0.74 - 0.3 * rnd.nextDouble() * rnd.nextDouble();
            points.add(new double[]{0.05 + r * Math.cos(theta), 0.05 + r * Math.sin(theta)});
            labels.add("#" + i);
        }
        return new ReportData.ParetoPoints("arith", "capitals", points, labels);
    }
}
