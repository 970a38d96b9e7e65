/**
 * Run reports: plots as hand-written SVG and a Markdown + self-contained HTML summary, from a run's journal and
 * finish results. Every function is pure except {@link dev.evomerge.report.RunReport#write}, which writes files
 * atomically. Where this package sits in the pipeline: docs/architecture.md.
 *
 * <p>At the end of a run (search or sweep), after {@code SearchRun} returns, the CLI assembles the data and calls:
 * <pre>{@code
 * ReportData data = new ReportData(runId, strategy.name(), budget,
 *         Map.of("seed", "7", "workers", "2"),                    // free-form summary lines, in order
 *         new ReportData.Timings(searchSeconds, finishSeconds),
 *         suiteTaskNames, journalEntries, 10,                      // top-k table size
 *         heldOutScoresOfSources,                                  // model -> task -> score, LinkedHashMap
 *         finishResults,                                           // gated top-k, rank order
 *         ReportData.Sweep.of("lambda", "density", xyValues),      // or null
 *         null);                                                   // Pareto points, or null
 * List<Path> written = RunReport.write(runDir, data);
 * }</pre>
 * which writes {@code best-so-far.svg}, {@code task-scores.svg}, {@code sweep.svg}, {@code pareto.svg} (those with
 * data), then {@code report.md} and {@code report.html}. The single plots are also available on their own from
 * {@link dev.evomerge.report.Plots}, and the non-dominated filter from {@link dev.evomerge.report.Plots#paretoFront}.
 */
package dev.evomerge.report;
