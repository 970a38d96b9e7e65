package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.io.Progress;
import dev.evomerge.io.Units;
import dev.evomerge.merge.DryRun;
import dev.evomerge.merge.MergeEngine;
import dev.evomerge.merge.MergePlan;
import dev.evomerge.merge.MergePlanner;
import dev.evomerge.merge.NonFinite;
import dev.evomerge.merge.Sources;
import dev.evomerge.merge.recipe.LoadedRecipe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code evomerge merge RECIPE.yaml OUT/}: a mergekit YAML in, a Hugging Face checkpoint out. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge checkpoints with a mergekit YAML recipe into a Hugging Face checkpoint directory.")
final class MergeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RECIPE.yaml", description = "mergekit-style recipe")
    Path recipe;

    @Parameters(index = "1", paramLabel = "OUT", description = "output directory (written atomically)")
    Path out;

    @Option(names = "--out-shard-size", defaultValue = "5B", paramLabel = "SIZE",
            description = "maximum bytes per shard, mergekit style: 500M, 5B (also 2GiB, 400MB); default ${DEFAULT-VALUE}")
    String shardSize;

    @Option(names = "--overwrite", description = "replace OUT if it exists (the old one stays until the new is complete)")
    boolean overwrite;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Option(names = "--allow-nonfinite",
            description = "write a merge whose output holds NaN or Inf (warning once per tensor) instead of refusing it")
    boolean allowNonFinite;

    @Option(names = "--dry-run", description = "print the plan (every output tensor with its method and inputs, bytes "
            + "to read and write, estimated time) and write nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        threadsOption.check(spec);
        long maxShard = Sizes.parse("--out-shard-size", shardSize);
        if (!overwrite && !dryRun && java.nio.file.Files.exists(out)) {
            throw new UserError(out + " already exists; pass --overwrite to replace it");
        }
        PrintWriter err = spec.commandLine().getErr();
        LoadedRecipe loaded = LoadedRecipe.load(recipe);
        try (Sources sources = Sources.open(loaded);
                MergeEngine engine = new MergeEngine(threadsOption.given(), allowNonFinite ? w -> err.println("warning: " + w) : null)) {
            MergePlan plan = MergePlanner.plan(loaded, sources);
            if (dryRun) {
                spec.commandLine().getOut().print(DryRun.render(plan, out, maxShard, "the merge needs --overwrite"));
                spec.commandLine().getOut().flush();
                return 0;
            }
            plan.warnings().forEach(w -> err.println("warning: " + w));
            Progress progress = Progress.bytes("merging", plan.sourceBytes(), quiet ? null : err,
                    System.console() != null);
            long start = System.nanoTime();
            Path written = engine.write(plan, out, maxShard, overwrite,
                    (done, total, n, count) -> progress.advanceTo(done));
            progress.close();
            err.flush();
            double seconds = (System.nanoTime() - start) / 1e9;
            spec.commandLine().getOut().printf("merged %d tensors (%s, %s layers) into %s in %.1f s (%s of source bytes)%n",
                    plan.tasks().size(), plan.recipe().recipe().mergeMethod(), plan.layersText(), written, seconds,
                    Units.rate(plan.sourceBytes() / seconds));
            return 0;
        } catch (NonFinite.Error e) {
            throw new UserError(e.getMessage() + "; nothing was written (--allow-nonfinite writes it anyway)", e);
        }
    }
}
