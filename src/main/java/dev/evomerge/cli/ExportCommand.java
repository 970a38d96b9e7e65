package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.search.CandidateExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge export RUN --candidate N OUT/}: any journaled candidate of a search as a checkpoint. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes candidate N of a search run (its index in journal.jsonl and leaderboard.csv) as a "
                + "Hugging Face checkpoint, byte for byte what the run's finish writes for it (without the finish's "
                + "scores and gate report). Run it where the search ran: the run names its search space by path."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:written", "2:usage error", "3:bad input (no such run or candidate, OUT exists, ...)",
                "4:internal error"})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "The run: its directory (results/<run-id>) or a run id "
            + "under --out.")
    String run;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output directory (written atomically).")
    Path out;

    @Option(names = "--candidate", required = true, paramLabel = "N", description = "The candidate's index.")
    int candidate;

    @Option(names = "--out", defaultValue = "results", paramLabel = "DIR",
            description = "Runs directory for a run id (default: ${DEFAULT-VALUE}).")
    Path runs;

    @Option(names = "--overwrite", description = "Replace OUT if it exists.")
    boolean overwrite;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Override
    public Integer call() {
        threadsOption.check(spec);
        OptionValues.atLeast(spec, "--candidate", candidate, 0);
        Path runDir = OptionValues.runDirectory(spec, "RUN", run, runs);
        if (!overwrite && Files.exists(out)) {
            throw new UserError(out + " already exists; pass --overwrite to replace it");
        }
        CandidateExport.Exported e = CandidateExport.export(runDir, candidate, out, overwrite, threadsOption.given());
        spec.commandLine().getOut().printf("wrote candidate %d of %s (%s, fitness %s) to %s%n", e.entry().index(),
                runDir.getFileName(), e.entry().status(), e.entry().fitness(), e.checkpoint());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
