package dev.evomerge.search;

import dev.evomerge.UserError;
import dev.evomerge.io.Sha256;
import dev.evomerge.search.space.MergeSpace;
import dev.evomerge.search.space.SearchSpaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code export}: any journaled candidate of a run, written as a checkpoint through the same
 * path as the finish ({@link Finisher#write}), so its weights, config, tokenizer and recipe are the bytes the finish
 * would write for it (the finish adds only its scores and gate report to the ones it accepts).
 */
public final class CandidateExport {
    private CandidateExport() {}

    /** What was written. */
    public record Exported(JournalEntry entry, Path checkpoint) {}

    public static Exported export(Path runDir, int index, Path out, boolean overwrite, int threads) {
        Path journal = runDir.resolve(Journal.FILE);
        if (!Files.isRegularFile(journal)) {
            throw new UserError("no run at " + runDir + " (" + Journal.FILE + " not found)");
        }
        if (!overwrite && Files.exists(out)) {
            throw new UserError(out + " already exists and is not to be overwritten");
        }
        Journal.Contents contents = Journal.read(journal);
        List<JournalEntry> entries = contents.entries();
        JournalEntry entry = entries.stream().filter(e -> e.index() == index).findFirst()
                .orElseThrow(() -> new UserError(journal + " has no candidate " + index + (entries.isEmpty()
                        ? " (it has none yet)" : " (it has 0.." + (entries.size() - 1) + ")")));
        RunOptions o = SearchRun.resumeOptions(runDir, 0);
        if (!Files.isRegularFile(o.space())) {
            throw new UserError("the run's search space " + o.space() + " is not there (run export from the directory"
                    + " the search ran in)");
        }
        String recorded = contents.header().path("inputs").path("space").asText();
        if (!recorded.equals(Sha256.ofFile(o.space()))) {
            throw new UserError("the search space " + o.space() + " changed since run " + runDir.getFileName()
                    + ": its genomes would decode to other models");
        }
        MergeSpace space = SearchSpaces.load(o.space());
        Candidate c = space.decode(entry.genome());
        Path spaceDir = o.space().toAbsolutePath().getParent();
        try (CandidateMerger merger = new CandidateMerger(spaceDir, threads, new TensorCache(0), null, null)) {
            return new Exported(entry, Finisher.write(merger, c, out, "candidate " + index));
        }
    }
}
