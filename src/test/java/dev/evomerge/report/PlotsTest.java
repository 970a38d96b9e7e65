package dev.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.search.CandidateStatus;
import dev.evomerge.search.Genome;
import dev.evomerge.search.JournalEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class PlotsTest {
    static JournalEntry entry(String strategy, int index, double fitness, CandidateStatus status) {
        boolean rejected = status.equals(CandidateStatus.REJECTED);
        return new JournalEntry(index, index / 4, strategy, new Genome(new double[]{0.5}), "merge_method: linear\n",
                null, rejected ? Map.of() : Map.of("t", fitness), rejected ? Double.NEGATIVE_INFINITY : fitness,
                status, rejected ? "L2 ceiling" : null, 0.1, 0.2, 1_000L * index);
    }

    static List<JournalEntry> run(String strategy, double... fitness) {
        List<JournalEntry> out = new ArrayList<>();
        for (int i = 0; i < fitness.length; i++) {
            out.add(entry(strategy, i, fitness[i], CandidateStatus.EVALUATED));
        }
        return out;
    }

    // ---------------------------------------------------------------- best so far

    @Test
    void bestSoFarCurveIsTheRunningMaxOfEvaluatedEntriesInIndexOrder() {
        List<JournalEntry> entries = new ArrayList<>(List.of(
                entry("ga", 3, 0.9, CandidateStatus.PRUNED),      // subset score: must not count
                entry("ga", 0, 0.0, CandidateStatus.REJECTED),
                entry("ga", 2, 0.4, CandidateStatus.EVALUATED),
                entry("ga", 1, 0.5, CandidateStatus.EVALUATED),
                entry("ga", 4, 0.7, CandidateStatus.EVALUATED)));
        double[] best = Plots.bestSoFarCurve(entries);
        assertEquals(5, best.length);
        assertEquals(Double.NEGATIVE_INFINITY, best[0]);
        assertEquals(0.5, best[1]);
        assertEquals(0.5, best[2]);
        assertEquals(0.5, best[3]);
        assertEquals(0.7, best[4]);
    }

    @Test
    void bestSoFarStepsRiseMonotonicallyAndEndAtEachStrategysMax() {
        Map<String, List<JournalEntry>> runs = new LinkedHashMap<>();
        runs.put("cmaes", run("cmaes", 0.31, 0.52, 0.48, 0.61, 0.60, 0.66, 0.65, 0.64));
        runs.put("random", run("random", 0.20, 0.45, 0.44, 0.47, 0.43, 0.50, 0.40, 0.49));
        Document doc = XmlCheck.parse(Plots.bestSoFar(runs));
        List<Double> tickValues = new ArrayList<>();
        List<Double> tickYs = new ArrayList<>();
        for (Element t : XmlCheck.byClass(doc, "text", "ytick")) {
            tickValues.add(Double.parseDouble(t.getTextContent()));
            tickYs.add(Double.parseDouble(t.getAttribute("y")) - 4); // labels sit 4 px below their grid line
        }
        Map<String, Double> ends = new LinkedHashMap<>();
        for (Element g : XmlCheck.elements(doc, "g")) {
            String series = g.getAttribute("data-series");
            if (series.isEmpty()) {
                continue;
            }
            Element path = XmlCheck.byClass(doc, "path", "step").stream()
                    .filter(p -> p.getParentNode() == g).findFirst().orElseThrow();
            double[] ys = pathYs(path.getAttribute("d"));
            for (int i = 1; i < ys.length; i++) {
                assertTrue(ys[i] <= ys[i - 1], series + " step " + i + " goes down: " + Arrays.toString(ys));
            }
            // Invert the y scale from the first and last tick labels.
            int n = tickValues.size() - 1;
            double value = tickValues.getFirst() + (ys[ys.length - 1] - tickYs.getFirst())
                    / (tickYs.get(n) - tickYs.getFirst()) * (tickValues.get(n) - tickValues.getFirst());
            ends.put(series, value);
        }
        // Coordinates are rounded to 0.01 px, about 1e-5 in value here; 1e-3 still tells 0.66 from 0.65.
        assertEquals(0.66, ends.get("cmaes"), 1e-3);
        assertEquals(0.50, ends.get("random"), 1e-3);
        List<String> legend = XmlCheck.texts(doc, "text", "legend-label");
        assertEquals(List.of("cmaes: 0.6600 at 6 of 8", "random: 0.5000 at 6 of 8"), legend);
        // The baseline is dashed, the strategy is not.
        List<Element> paths = XmlCheck.byClass(doc, "path", "step");
        assertEquals("", paths.get(0).getAttribute("stroke-dasharray"));
        assertEquals("6 3", paths.get(1).getAttribute("stroke-dasharray"));
        // One improvement marker per strict rise (the first evaluated point included): 0.31 0.52 0.61 0.66.
        long cmaesDots = XmlCheck.byClass(doc, "circle", "improvement").stream()
                .filter(c -> ((Element) c.getParentNode()).getAttribute("data-series").equals("cmaes")).count();
        assertEquals(4, cmaesDots);
    }

    /** The y coordinates of an "M x y H x V y ... H x" path, in order. */
    private static double[] pathYs(String d) {
        List<Double> ys = new ArrayList<>();
        String[] parts = d.trim().split(" ");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].startsWith("M")) {
                ys.add(Double.parseDouble(parts[i + 1]));
            } else if (parts[i].startsWith("V")) {
                ys.add(Double.parseDouble(parts[i].substring(1)));
            }
        }
        return ys.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void bestSoFarWithNothingEvaluatedSaysSo() {
        Map<String, List<JournalEntry>> runs = Map.of("ga", List.of(entry("ga", 0, 0, CandidateStatus.REJECTED)));
        Document doc = XmlCheck.parse(Plots.bestSoFar(runs));
        assertEquals(List.of("no evaluated candidates yet"), XmlCheck.texts(doc, "text", "note"));
        assertEquals(0, XmlCheck.byClass(doc, "path", "step").size());
        XmlCheck.parse(Plots.bestSoFar(Map.of()));
    }

    // ---------------------------------------------------------------- task bars

    @Test
    void taskBarsDrawOneLabeledBarPerScore() {
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        scores.put("base", Map.of("arith", 0.25, "capitals", 0.5));
        scores.put("cand #1", Map.of("arith", 0.75, "capitals", 1.0));
        scores.put("partial", Map.of("arith", 0.0));
        Document doc = XmlCheck.parse(Plots.taskBars(scores, List.of("arith", "capitals")));
        assertEquals(5, XmlCheck.byClass(doc, "g", "bar").size(), "the missing score has no bar");
        assertEquals(List.of("0.25", "0.50", "0.75", "1.00", "0.00"), XmlCheck.texts(doc, "text", "bar-value"));
        assertEquals(List.of("arith", "capitals"), XmlCheck.texts(doc, "text", "xtick"));
        assertEquals(List.of("base", "cand #1", "partial"), XmlCheck.texts(doc, "text", "legend-label"));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), XmlCheck.texts(doc, "text", "ytick"));
        // Bar heights are proportional to the score: 1.0 spans the plot, 0.25 a quarter of it.
        List<Element> rects = XmlCheck.byClass(doc, "g", "bar").stream()
                .map(g -> (Element) g.getElementsByTagNameNS("*", "rect").item(0)).toList();
        double full = Double.parseDouble(rects.get(3).getAttribute("height"));
        assertEquals(full / 4, Double.parseDouble(rects.get(0).getAttribute("height")), 0.01);
    }

    @Test
    void taskBarsRefuseScoresOutsideTheUnitInterval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.taskBars(Map.of("m", Map.of("t", 1.5)), List.of("t")));
        assertEquals("score of m on t must be in [0, 1], but was 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Plots.taskBars(Map.of("m", Map.of("t", Double.NaN)), List.of("t")));
    }

    // ---------------------------------------------------------------- heatmap

    @Test
    void heatmapPrintsEachCellBottomRowFirstAndOutlinesTheBest() {
        double[][] v = {{0.1, 0.25, 0.3}, {0.4, 0.95, Double.NaN}};
        Document doc = XmlCheck.parse(Plots.heatmap("lambda", List.of(0.5, 1.0, 1.5), "density", List.of(0.2, 0.8),
                v));
        assertEquals(List.of("0.100", "0.250", "0.300", "0.400", "0.950", "\u2013"),
                XmlCheck.texts(doc, "text", "cell-value"));
        List<Element> cells = XmlCheck.byClass(doc, "g", "cell").stream()
                .map(g -> (Element) g.getElementsByTagNameNS("*", "rect").item(0)).toList();
        // Row 0 (density 0.2) is drawn below row 1.
        assertTrue(Double.parseDouble(cells.get(0).getAttribute("y"))
                > Double.parseDouble(cells.get(3).getAttribute("y")));
        assertEquals("#440154", cells.get(0).getAttribute("fill"), "min is the dark end of viridis");
        assertEquals("#fde725", cells.get(4).getAttribute("fill"), "max is the bright end");
        assertEquals(Palette.MISSING, cells.get(5).getAttribute("fill"));
        Element best = XmlCheck.byClass(doc, "rect", "best-cell").getFirst();
        assertEquals(Double.parseDouble(cells.get(4).getAttribute("x")) + 1.5,
                Double.parseDouble(best.getAttribute("x")), 1e-9);
        assertEquals(List.of("best 0.950 at lambda = 1, density = 0.8"), XmlCheck.texts(doc, "text", "subtitle"));
        assertEquals(List.of("0.5", "1", "1.5"), XmlCheck.texts(doc, "text", "xtick"));
        assertEquals(List.of("0.2", "0.8"), XmlCheck.texts(doc, "text", "ytick"));
        assertTrue(XmlCheck.texts(doc, "text", "scale-tick").size() >= 2, "a color scale with ticks");
    }

    @Test
    void heatmapWithOneValueOrNoneStillRenders() {
        Document one = XmlCheck.parse(Plots.heatmap("x", List.of(1.0), "y", List.of(2.0), new double[][]{{0.5}}));
        assertEquals(List.of("0.500"), XmlCheck.texts(one, "text", "cell-value"));
        Document none = XmlCheck.parse(Plots.heatmap("x", List.of(1.0), "y", List.of(2.0),
                new double[][]{{Double.NaN}}));
        assertEquals(0, XmlCheck.byClass(none, "rect", "best-cell").size());
    }

    @Test
    void heatmapRefusesMismatchedShapes() {
        assertThrows(IllegalArgumentException.class,
                () -> Plots.heatmap("x", List.of(1.0, 2.0), "y", List.of(1.0), new double[][]{{1}}));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.heatmap("x", List.of(1.0), "y", List.of(1.0, 2.0), new double[][]{{1}}));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.heatmap("x", List.of(1.0), "y", List.of(1.0), new double[][]{{Double.POSITIVE_INFINITY}}));
    }

    // ---------------------------------------------------------------- pareto

    @Test
    void paretoHighlightsAndConnectsTheFrontInXOrder() {
        List<double[]> pts = List.of(new double[]{0.9, 0.1}, new double[]{0.5, 0.5}, new double[]{0.4, 0.4},
                new double[]{0.1, 0.9});
        List<String> labels = List.of("a", "b", "c", "d");
        Document doc = XmlCheck.parse(Plots.pareto(pts, labels, "arith", "capitals", Plots.paretoFront(pts)));
        assertEquals(List.of("d", "b", "a"), XmlCheck.texts(doc, "text", "front-label"));
        String line = XmlCheck.byClass(doc, "polyline", "front-line").getFirst().getAttribute("points");
        String[] xy = line.split(" ");
        assertEquals(3, xy.length);
        for (int i = 1; i < xy.length; i++) {
            assertTrue(Double.parseDouble(xy[i].split(",")[0]) > Double.parseDouble(xy[i - 1].split(",")[0]));
        }
        assertEquals(List.of("Pareto front (3)", "dominated (1)"), XmlCheck.texts(doc, "text", "legend-label"));
        assertEquals(1, XmlCheck.elements(doc, "g").stream()
                .filter(g -> g.getAttribute("class").equals("dominated")).findFirst().orElseThrow()
                .getElementsByTagNameNS("*", "circle").getLength());
    }

    @Test
    void paretoLabelsDoNotOverlap() {
        List<double[]> pts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pts.add(new double[]{0.5 + 0.001 * i, 0.5 - 0.001 * i});
            labels.add("#" + i);
        }
        // Two far front points spread the axes, so the twelve crowd into a few pixels.
        pts.add(new double[]{0, 1});
        pts.add(new double[]{1, 0});
        labels.add("top");
        labels.add("right");
        Document doc = XmlCheck.parse(Plots.pareto(pts, labels, "x", "y", Plots.paretoFront(pts)));
        List<Element> placed = XmlCheck.byClass(doc, "text", "front-label");
        assertTrue(placed.size() < 14, "crowded labels are dropped rather than stacked");
        for (int i = 0; i < placed.size(); i++) {
            for (int j = i + 1; j < placed.size(); j++) {
                double dx = Math.abs(Double.parseDouble(placed.get(i).getAttribute("x"))
                        - Double.parseDouble(placed.get(j).getAttribute("x")));
                double dy = Math.abs(Double.parseDouble(placed.get(i).getAttribute("y"))
                        - Double.parseDouble(placed.get(j).getAttribute("y")));
                assertTrue(dx >= 3 * 11 * Frame.CHAR || dy >= 13, "labels " + i + " and " + j + " overlap");
            }
        }
        assertEquals(14, XmlCheck.elements(doc, "title").size(), "every point keeps its tooltip");
    }

    @Test
    void paretoRefusesMismatchedLengths() {
        List<double[]> pts = List.of(new double[]{1, 2});
        assertThrows(IllegalArgumentException.class, () -> Plots.pareto(pts, List.of(), "x", "y", new boolean[1]));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.pareto(pts, List.of("a"), "x", "y", new boolean[2]));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.pareto(List.of(new double[]{1, 2, 3}), List.of("a"), "x", "y", new boolean[1]));
        XmlCheck.parse(Plots.pareto(List.of(), List.of(), "x", "y", new boolean[0]));
    }

    // ---------------------------------------------------------------- escaping

    @Test
    void namesWithMarkupCharactersAreEscapedEverywhere() {
        String evil = "a<b>&\"c'</svg>";
        Map<String, List<JournalEntry>> runs = Map.of(evil, run(evil, 0.1, 0.2));
        Document d1 = XmlCheck.parse(Plots.bestSoFar(runs));
        assertEquals(evil, XmlCheck.byClass(d1, "path", "step").getFirst().getParentNode().getAttributes()
                .getNamedItem("data-series").getNodeValue());
        assertTrue(XmlCheck.texts(d1, "text", "legend-label").getFirst().startsWith(evil));

        Document d2 = XmlCheck.parse(Plots.taskBars(Map.of(evil, Map.of(evil, 0.5)), List.of(evil)));
        assertEquals(List.of(evil), XmlCheck.texts(d2, "text", "legend-label"));

        Document d3 = XmlCheck.parse(Plots.heatmap(evil, List.of(1.0), evil, List.of(1.0), new double[][]{{1}}));
        assertEquals(List.of(evil), XmlCheck.texts(d3, "text", "x-name"));

        List<double[]> pts = List.of(new double[]{1, 1});
        Document d4 = XmlCheck.parse(Plots.pareto(pts, List.of(evil), evil, evil, new boolean[]{true}));
        assertEquals(List.of(evil), XmlCheck.texts(d4, "text", "front-label"));
    }
}
