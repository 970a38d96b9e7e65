package dev.evomerge.cli;

import dev.evomerge.zoo.Skill;
import dev.evomerge.zoo.ZooSpec;
import dev.evomerge.zoo.ZooTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The model zoo: a small base and specialists trained by evomerge itself, to measure merging on. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "The model zoo (a base and skill specialists that share it).",
        subcommands = {ZooCommand.Train.class})
final class ZooCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Trains the base and one specialist per skill on CPU and writes them as BF16 checkpoints.")
    static final class Train implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, description = "Directory for base/ and the specialists.")
        Path out;

        @Option(names = "--suite-out", description = "Directory for the eval suite zoo.yaml (default: OUT/eval-suite; "
                + "the shipped suite is eval-suites/zoo, written there only when named).")
        Path suiteOut;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of everything (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--tiny", description = "A small model for a few steps: checks the trainer runs (CI).")
        boolean tiny;

        @Option(names = "--steps", split = ",", description = "Override PRETRAIN,FINETUNE step counts.")
        int[] steps;

        @Option(names = "--lora-rank", description = "Rank of the specialists' low-rank updates; 0 fine-tunes every "
                + "weight (default: the spec's).")
        Integer loraRank;

        @Option(names = "--finetune-lr", description = "Peak learning rate of the specialists (default: the spec's).")
        Double finetuneLr;

        @Option(names = "--base", description = "Reuse this base checkpoint (written by the same spec and seed) "
                + "instead of pretraining; only the specialists are trained.")
        Path base;

        @Option(names = "--no-eval", description = "Skip scoring the checkpoints on the heldout slice.")
        boolean noEval;

        /**
         * Where the suite goes: beside the checkpoints unless named, so a retrained zoo never overwrites the checkout's
         * shipped eval-suites/zoo (whose slices the shipped models and the README's figures were scored on).
         */
        Path suiteDirectory() {
            return suiteOut != null ? suiteOut : out.resolve("eval-suite");
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ZooSpec zs = tiny ? ZooSpec.tiny() : ZooSpec.full();
            if (steps != null) {
                if (steps.length != 2 || steps[0] < 1 || steps[1] < 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--steps takes two positive counts PRETRAIN,FINETUNE");
                }
                zs = zs.withSteps(steps[0], steps[1]);
            }
            if (loraRank != null || finetuneLr != null) {
                if ((loraRank != null && loraRank < 0) || (finetuneLr != null && !(finetuneLr > 0))) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--lora-rank must be 0 or positive and --finetune-lr positive");
                }
                zs = zs.withFinetuning(loraRank == null ? zs.loraRank() : loraRank,
                        finetuneLr == null ? zs.finetuneLr() : finetuneLr);
            }
            ZooTrainer.Report r = new ZooTrainer(zs, seed, out).train(this.out, suiteDirectory(), !noEval, base);
            out.printf("trained %,d-parameter base and %d specialists in %.1f s%n", r.parameters(),
                    Skill.values().length, r.seconds());
            for (ZooTrainer.ModelReport m : r.models()) {
                out.printf("%-6s ||tau||/||base|| %.4f  heldout %s%n", m.name(), m.tauRatio(), m.heldout());
            }
            out.flush();
            return 0;
        }
    }
}
