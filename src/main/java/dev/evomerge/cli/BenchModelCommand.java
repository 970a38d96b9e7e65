package dev.evomerge.cli;

import dev.evomerge.bench.ModelBenchmark;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evomerge bench model}: the options of {@link ModelBenchmark}, which does the measuring. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Scoring throughput (tokens/s) and model FLOPs utilization of the DJL runtime on random Llamas.")
public final class BenchModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    ThreadsOption threadsOption;

    @Option(names = "--batch", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen = 128;

    @Option(names = "--iterations", description = "Timed forward passes per model (default: ${DEFAULT-VALUE}).")
    int iterations = 3;

    @Option(names = "--models", split = ",",
            description = "Which random models: tiny, 5m, 25m, 100m, 0.5b (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("tiny", "100m");

    @Option(names = "--seed", description = "Seed for weights and tokens (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--multiple-choice", description = "Instead: a four-choice log-likelihood task scored with each "
            + "context computed once (shared) and per choice, with the speed ratio.")
    boolean multipleChoice;

    @Option(names = "--questions", description = "Multiple choice: questions (default: ${DEFAULT-VALUE}).")
    int questions = 8;

    @Option(names = "--context-words", description = "Multiple choice: words per context (default: ${DEFAULT-VALUE}).")
    int contextWords = 60;

    @Override
    public Integer call() {
        threadsOption.check(spec);
        ModelBenchmark.Settings settings;
        try {
            settings = new ModelBenchmark.Settings(models, batch, seqLen, iterations, seed, multipleChoice, questions,
                    contextWords, threadsOption.resolved());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--models: " + e.getMessage());
        }
        new ModelBenchmark(settings).run(spec.commandLine().getOut());
        return 0;
    }
}
