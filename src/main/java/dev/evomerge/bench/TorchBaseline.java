package dev.evomerge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch baseline of the merge benchmark: {@code scripts/bench/torch_merge.py} (mergekit's per-tensor
 * operations in torch, to one BF16 file with fsync) run by a Python that has torch. Optional: torch is never a
 * runtime dependency, so where no such Python is found the benchmark says so and leaves the column empty.
 */
final class TorchBaseline {
    /** Pythons tried in order: {@code -Devomerge.bench.python}, Debian's system Python, then the PATH's. */
    private static final List<String> CANDIDATES = List.of(System.getProperty("evomerge.bench.python", ""),
            "/usr/bin/python3", "python3");
    static final String SCRIPT = "scripts/bench/torch_merge.py";

    private final String python;
    private final Path script;

    private TorchBaseline(String python, Path script) {
        this.python = python;
        this.script = script;
    }

    /** The baseline, or empty with the reason (no script from this directory, or no Python with torch). */
    static Optional<TorchBaseline> find(java.util.function.Consumer<String> log) {
        Path script = Path.of(SCRIPT).toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            log.accept("PyTorch baseline: absent (" + SCRIPT + " not found; run from the repository root)");
            return Optional.empty();
        }
        for (String py : CANDIDATES) {
            if (py.isBlank()) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch; print(torch.__version__)")
                        .redirectErrorStream(true).start();
                String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    log.accept("PyTorch baseline: " + py + " with torch " + version);
                    return Optional.of(new TorchBaseline(py, script));
                }
            } catch (IOException e) {
                // no such interpreter: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        log.accept("PyTorch baseline: absent (no python3 with torch; Debian: apt-get install python3-torch)");
        return Optional.empty();
    }

    /** Seconds torch takes to merge {@code models} (base first) with {@code method} into {@code out}, or NaN. */
    double seconds(String method, Path dir, List<String> models, int threads, Path out) {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), method, out.toString(),
                String.valueOf(threads)));
        models.forEach(m -> cmd.add(dir.resolve(m).toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                return Double.NaN;
            }
            for (String line : text.split("\n")) {
                if (line.startsWith("seconds ")) {
                    return Double.parseDouble(line.substring("seconds ".length()).trim());
                }
            }
            return Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // a leftover output file is only disk space
            }
        }
    }
}
