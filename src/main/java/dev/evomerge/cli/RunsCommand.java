package dev.evomerge.cli;

import dev.evomerge.search.JournalEntry;
import dev.evomerge.search.RunSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge runs} lists the runs of a runs directory; {@code runs show RUN} prints one run's leaderboard. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = {"Lists the search and sweep runs under results/ (or --dir): run id, status (running, finished, "
                + "interrupted: 'search --resume RUN' continues it), best search-slice fitness, candidates journaled of"
                + " the budget, and how long ago the run last wrote its journal.",
                "'runs show RUN' prints a run's leaderboard from its journal, also while the search is running."},
        subcommands = RunsCommand.Show.class,
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:listed", "2:usage error", "3:bad input (no runs directory)", "4:internal error"})
final class RunsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "results", paramLabel = "DIR",
            description = "Runs directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<RunSummary> runs = RunSummary.list(dir);
        if (runs.isEmpty()) {
            out.println("No runs under " + dir + ".");
            out.flush();
            return 0;
        }
        int width = Math.max(3, runs.stream().mapToInt(r -> r.runId().length()).max().orElse(0));
        String format = "%-" + width + "s  %-11s  %8s  %10s  %s%n";
        out.printf(Locale.ROOT, format, "run", "status", "best", "candidates", "updated");
        Instant now = Instant.now();
        for (RunSummary r : runs) {
            JournalEntry best = r.best();
            out.printf(Locale.ROOT, format, r.runId(), r.status(),
                    best == null ? "-" : String.format(Locale.ROOT, "%.4f", best.fitness()),
                    r.status() == RunSummary.Status.UNREADABLE ? "-" : r.entries().size() + "/" + r.budget(),
                    ago(r.updated(), now));
        }
        out.flush();
        return 0;
    }

    /** A past instant as a short age: {@code 42s ago}, {@code 5m ago}, {@code 3h ago}, {@code 2d ago}. */
    static String ago(Instant then, Instant now) {
        long s = Math.max(0, Duration.between(then, now).toSeconds());
        return (s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" : s < 86_400 ? s / 3600 + "h" : s / 86_400 + "d")
                + " ago";
    }

    /** {@code runs show RUN [--top N] [--watch [SECONDS]]}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Prints a run's status and leaderboard (best first, search-slice scores) from its journal "
                    + "as it is now: a running search's candidates so far.",
                    "With --watch, prints it again every few seconds until the run stops running (Ctrl-C ends it)."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:shown", "2:usage error", "3:bad input (no such run)", "4:internal error"})
    static final class Show implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "RUN",
                description = "The run: its directory (results/<run-id>) or a run id under --dir.")
        String run;

        @Option(names = "--dir", defaultValue = "results", paramLabel = "DIR",
                description = "Runs directory for a run id (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--top", defaultValue = "20", paramLabel = "N",
                description = "Rows of the leaderboard (default: ${DEFAULT-VALUE}).")
        int top;

        @Option(names = "--watch", arity = "0..1", fallbackValue = "5", paramLabel = "SECONDS",
                description = "Refresh every SECONDS (default when given: ${FALLBACK-VALUE}) while the run is running.")
        Integer watch;

        @Override
        public Integer call() throws InterruptedException {
            OptionValues.atLeast(spec, "--top", top, 1);
            if (watch != null) {
                OptionValues.atLeast(spec, "--watch", watch, 1);
            }
            Path runDir = OptionValues.runDirectory(spec, "RUN", run, dir);
            PrintWriter out = spec.commandLine().getOut();
            RunSummary r = RunSummary.of(runDir);
            if (r.status() == RunSummary.Status.UNREADABLE) {
                throw new dev.evomerge.UserError(r.problem());
            }
            print(r, out);
            while (watch != null && r.status() == RunSummary.Status.RUNNING) {
                Thread.sleep(watch * 1000L);
                r = RunSummary.of(runDir);
                out.println();
                print(r, out);
            }
            return 0;
        }

        private void print(RunSummary r, PrintWriter out) {
            out.printf(Locale.ROOT, "Run %s: %s%s, %d of %d candidates, last write %s%n", r.runId(), r.status(),
                    r.holder() != null ? " (" + r.holder() + ")"
                            : r.stoppedBy() != null ? " (stopped by " + r.stoppedBy().replace('_', ' ') + ")" : "",
                    r.entries().size(), r.budget(), ago(r.updated(), Instant.now()));
            if (r.problem() != null) {
                out.println(r.problem());
            } else {
                out.println();
                // The leaderboard as leaderboard.md has it, without its title (the line above names the run).
                out.print(r.leaderboard(top).lines().skip(2).reduce("", (a, b) -> a + b + "\n"));
            }
            out.flush();
        }
    }
}
