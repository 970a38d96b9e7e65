package dev.evomerge.merge;

import dev.evomerge.checkpoint.CheckpointWriter;
import dev.evomerge.checkpoint.DType;
import dev.evomerge.checkpoint.FloatCodec;
import dev.evomerge.checkpoint.InMemoryTensors;
import dev.evomerge.checkpoint.TensorInfo;
import dev.evomerge.checkpoint.TensorSource;
import dev.evomerge.io.Json;
import dev.evomerge.merge.methods.ChunkedMerge;
import dev.evomerge.merge.methods.Execution;
import dev.evomerge.merge.methods.TensorInput;
import dev.evomerge.merge.methods.TensorSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Executes a {@link MergePlan} tensor by tensor, to a checkpoint directory or into native memory. Work inside a tensor
 * is split into fixed-size blocks on one pool; results do not depend on the thread count.
 *
 * <p>Methods that are element-wise once a few per-tensor statistics are known (norms, dot products, per-row ratios,
 * selection thresholds, della's bit mask; see {@link dev.evomerge.merge.methods.MergeMethod#chunked}) are fused:
 * after the method's statistics passes, each block decodes a
 * chunk of every source straight from its mapped bytes into per-thread buffers, merges it and encodes the result
 * straight into the destination (the output segment in memory, a per-thread staging buffer written positionally on
 * disk). The heap then holds only small per-thread buffers and per-tensor statistics. The other methods, and dtype
 * conversions, decode whole tensors to float32, so their working set grows with the largest tensor.
 */
public final class MergeEngine implements AutoCloseable {
    /** Elements per block of decode/encode work: large enough to amortize scheduling, small enough to balance. */
    private static final int BLOCK = 1 << 20;

    /** Called after each tensor; implementations must be cheap (the CLI throttles its printing). */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, tensorsDone, tensorsTotal) -> { };

        void update(long sourceBytesDone, long sourceBytesTotal, int tensorsDone, int tensorsTotal);
    }

    /** An overflowing recipe makes every tensor non-finite; a few lines say so, not one per tensor. */
    private static final int MAX_NONFINITE_WARNINGS = 5;

    private final ForkJoinPool pool;
    private final Execution execution;
    /** Where non-finite outputs are reported when they are allowed; null refuses them. */
    private final Consumer<String> nonFiniteWarnings;
    /** Tensors already warned about, so that each is reported once. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    /** Source tensors copied unchanged that were found finite (a search copies the same ones for every candidate). */
    private final Map<TensorSource, Set<String>> finiteCopies = Collections.synchronizedMap(new WeakHashMap<>());
    /** Per-thread native staging for one encoded block on its way to a checkpoint file (F64 at most). */
    private final ThreadLocal<MemorySegment> staging =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) ChunkedMerge.BLOCK * Double.BYTES, 64));

    /** @param threads worker threads; 0 or less means one per available processor */
    public MergeEngine(int threads) {
        this(threads, Execution.simdFromProperty(), null);
    }

    /**
     * @param threads           worker threads; 0 or less means one per available processor
     * @param nonFiniteWarnings null to refuse a merge whose output holds NaN or ±Inf with {@link NonFinite.Error}
     *                          naming the tensor; else non-finite outputs are written and reported here, once per tensor
     */
    public MergeEngine(int threads, Consumer<String> nonFiniteWarnings) {
        this(threads, Execution.simdFromProperty(), nonFiniteWarnings);
    }

    /** With SIMD or scalar method kernels forced (tests compare the two). */
    MergeEngine(int threads, boolean simd) {
        this(threads, simd, null);
    }

    private MergeEngine(int threads, boolean simd, Consumer<String> nonFiniteWarnings) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.pool = new ForkJoinPool(n);
        this.execution = new Execution(pool, simd);
        this.nonFiniteWarnings = nonFiniteWarnings;
    }

    /** Writes the merged checkpoint atomically: nothing is visible under {@code outDir} until it is complete. */
    public Path write(MergePlan plan, Path outDir, long maxShardBytes, boolean overwrite, Progress progress) {
        try (CheckpointWriter writer = CheckpointWriter.create(outDir, plan.outputs(), maxShardBytes, overwrite)) {
            run(plan, progress, new Sink() {
                @Override
                public void copy(TensorInfo out, MemorySegment src) {
                    blocks(src.byteSize(), (long) BLOCK * 4, (from, len) ->
                            writer.writeBytes(out.name(), from, src.asSlice(from, len)));
                    if (src.isMapped()) {
                        src.unload(); // written out: no reason to keep the source's pages resident
                    }
                }

                @Override
                public void put(TensorInfo out, float[] values) {
                    blocks(values.length, BLOCK, (from, len) ->
                            writer.writeFloats(out.name(), from, values, (int) from, (int) len));
                }

                @Override
                public void stream(TensorInfo out, ChunkedMerge merge) {
                    DType dtype = out.dtype();
                    long size = dtype.byteSize();
                    blocks(merge.numel(), ChunkedMerge.BLOCK, (from, len) -> {
                        MemorySegment stage = staging.get();
                        merge.mergeBlock((int) from, (int) (from + len), (at, values, n) ->
                                FloatCodec.encode(dtype, values, 0, stage, (at - from) * size, n));
                        writer.writeBytes(out.name(), from * size, stage.asSlice(0, len * size));
                    });
                }
            });
            writer.writeFile("config.json", Json.pretty(plan.config()));
            if (plan.tokenizerSource() != null) {
                for (Path f : plan.tokenizerSource().tokenizerFiles()) {
                    String name = f.getFileName().toString();
                    boolean replaced = name.equals(TokenizerFiles.TOKENIZER_CONFIG)
                            || name.equals(TokenizerFiles.CHAT_TEMPLATE_FILE);
                    boolean rebuilt = name.equals(TokenizerFiles.TOKENIZER_JSON) && plan.tokenizerJson() != null;
                    if ((plan.tokenizerConfig() == null || !replaced) && !rebuilt) {
                        writer.copyFile(f);
                    }
                }
            }
            if (plan.tokenizerJson() != null) {
                writer.writeFile(TokenizerFiles.TOKENIZER_JSON, Json.pretty(plan.tokenizerJson()));
            }
            if (plan.tokenizerConfig() != null) {
                writer.writeFile(TokenizerFiles.TOKENIZER_CONFIG, Json.pretty(plan.tokenizerConfig()));
            }
            writer.writeFile("mergekit_config.yml", plan.recipe().recipe().toYaml().getBytes(StandardCharsets.UTF_8));
            writer.writeFile("README.md", ModelCard.of(plan).getBytes(StandardCharsets.UTF_8));
            return writer.commit();
        }
    }

    /**
     * Merges into native memory for the runtime. Tensors copied unchanged are views of the mapped sources (no copy),
     * so the result must be closed before the plan's sources are.
     */
    public InMemoryTensors materialize(MergePlan plan, Progress progress) {
        return materialize(plan, progress, new InMemoryTensors());
    }

    /**
     * Merges into {@code out}, an empty {@link InMemoryTensors}, typically the previous candidate's
     * {@link InMemoryTensors#recycle()} so that its memory is reused. On failure {@code out} is closed.
     */
    public InMemoryTensors materialize(MergePlan plan, Progress progress, InMemoryTensors out) {
        if (!out.names().isEmpty()) {
            throw new IllegalArgumentException("materialize needs an empty InMemoryTensors, but it holds "
                    + out.names().size() + " tensors");
        }
        try {
            run(plan, progress, new Sink() {
                @Override
                public void copy(TensorInfo info, MemorySegment src) {
                    out.putView(info, src);
                }

                @Override
                public void put(TensorInfo info, float[] values) {
                    MemorySegment dst = out.allocate(info);
                    DType dtype = info.dtype();
                    blocks(values.length, BLOCK, (from, len) ->
                            FloatCodec.encode(dtype, values, (int) from, dst, from * dtype.byteSize(), (int) len));
                }

                @Override
                public void stream(TensorInfo info, ChunkedMerge merge) {
                    MemorySegment dst = out.allocate(info);
                    DType dtype = info.dtype();
                    long size = dtype.byteSize();
                    blocks(merge.numel(), ChunkedMerge.BLOCK, (from, len) ->
                            merge.mergeBlock((int) from, (int) (from + len), (at, values, n) ->
                                    FloatCodec.encode(dtype, values, 0, dst, at * size, n)));
                }
            });
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Merges one tensor into a float32 segment from {@code arena}, for the runtime to wrap in place: every value is
     * rounded to the task's output dtype first, so the runtime scores exactly the model a checkpoint would hold.
     * Fused methods stream block by block (no whole-tensor arrays on the heap); the others merge whole tensors.
     */
    public MemorySegment mergeToFloat32(TensorTask task, Arena arena) {
        DType rounding = task.output().dtype();
        long numel = task.output().numel();
        MemorySegment dst = arena.allocate(numel * Float.BYTES, 64);
        ChunkedMerge chunked = chunked(task);
        if (chunked != null) {
            ChunkedMerge fused = checked(task, chunked);
            blocks(numel, ChunkedMerge.BLOCK, (from, len) -> fused.mergeBlock((int) from, (int) (from + len),
                    (at, values, n) -> FloatCodec.encodeRounded(rounding, values, 0, dst, (long) at * Float.BYTES, n)));
        } else {
            float[] values = checked(task, merge(task));
            blocks(values.length, BLOCK, (from, len) ->
                    FloatCodec.encodeRounded(rounding, values, (int) from, dst, from * Float.BYTES, (int) len));
        }
        return dst;
    }

    /** Merges one tensor to float32 (also what tests compare against the method formulas). */
    public float[] merge(TensorTask task) {
        int numel = Math.toIntExact(task.output().numel());
        float[] base = task.base() == null ? null : read(task.base(), numel);
        float[][] models = new float[task.models().size()][];
        for (int i = 0; i < models.length; i++) {
            models[i] = read(task.models().get(i), numel);
        }
        if (task.isCopy()) {
            return models[0];
        }
        TensorInput input = new TensorInput(task.output().name(), task.output().shape(), base, models,
                task.modelParams(), task.globalParams(), task.seed());
        return task.method().merge(input, execution);
    }

    /**
     * Merges one tensor to float32 through the fused path (blocks in reverse order, to show that order does not
     * matter), or returns null when the task is not fused; tests compare it with {@link #merge(TensorTask)}.
     */
    float[] mergeFused(TensorTask task) {
        ChunkedMerge fused = chunked(task);
        if (fused == null) {
            return null;
        }
        float[] out = new float[fused.numel()];
        int blocks = (fused.numel() + ChunkedMerge.BLOCK - 1) / ChunkedMerge.BLOCK;
        List<ForkJoinTask<?>> tasks = new ArrayList<>();
        for (int b = blocks - 1; b >= 0; b--) {
            int lo = b * ChunkedMerge.BLOCK;
            int hi = Math.min(fused.numel(), lo + ChunkedMerge.BLOCK);
            tasks.add(pool.submit(() -> fused.mergeBlock(lo, hi, (from, values, len) ->
                    System.arraycopy(values, 0, out, from, len))));
        }
        tasks.forEach(ForkJoinTask::join);
        return out;
    }

    private interface Sink {
        void copy(TensorInfo out, MemorySegment src);

        void put(TensorInfo out, float[] values);

        /** Runs a fused merge block by block, encoding each merged chunk into the output. */
        void stream(TensorInfo out, ChunkedMerge merge);
    }

    /** The fused form of a task, or null when it needs whole tensors. */
    private ChunkedMerge chunked(TensorTask task) {
        if (task.isCopy() || !task.output().dtype().isFloatConvertible()) {
            return null;
        }
        long numel = task.output().numel();
        SegmentReader reader = SegmentReader.of(task, numel);
        if (reader == null || numel > Integer.MAX_VALUE - 8) {
            return null;
        }
        TensorSpec spec = new TensorSpec(task.output().name(), task.output().shape(), task.base() != null,
                task.modelParams(), task.globalParams(), task.seed());
        return task.method().chunked(spec, reader, execution).orElse(null);
    }

    private void run(MergePlan plan, Progress progress, Sink sink) {
        long total = plan.sourceBytes();
        long done = 0;
        int i = 0;
        for (TensorTask task : plan.tasks()) {
            TensorTask.Input first = task.models().getFirst();
            ChunkedMerge fused;
            if (task.isCopy() && first.info().dtype() == task.output().dtype()) {
                checkCopy(task);
                sink.copy(task.output(), first.source().bytes(first.name()));
            } else if ((fused = chunked(task)) != null) {
                sink.stream(task.output(), checked(task, fused));
                task.releaseInputPages();
            } else {
                sink.put(task.output(), checked(task, merge(task)));
                task.releaseInputPages();
            }
            done += task.sourceBytes();
            progress.update(done, total, ++i, plan.tasks().size());
        }
    }

    /** {@code fused}, checking every merged chunk for NaN/Inf while it is in cache. */
    private ChunkedMerge checked(TensorTask task, ChunkedMerge fused) {
        return new ChunkedMerge() {
            @Override
            public int numel() {
                return fused.numel();
            }

            @Override
            public void mergeBlock(int lo, int hi, Sink sink) {
                fused.mergeBlock(lo, hi, (from, values, len) -> {
                    if (!NonFinite.allFinite(values, 0, len)) {
                        nonFinite(task, from + NonFinite.first(values, 0, len), values[NonFinite.first(values, 0, len)]);
                    }
                    sink.accept(from, values, len);
                });
            }
        };
    }

    /**
     * Checks a tensor merged whole (or converted) for NaN/Inf and returns it; also for callers that merge through
     * {@link #merge(TensorTask)} themselves (the search's tensor cache).
     */
    public float[] checked(TensorTask task, float[] values) {
        blocks(values.length, BLOCK, (from, len) -> {
            if (!NonFinite.allFinite(values, (int) from, (int) len)) {
                int at = (int) from + NonFinite.first(values, (int) from, (int) len);
                nonFinite(task, at, values[at]);
            }
        });
        return values;
    }

    /**
     * Checks a source tensor that is copied unchanged (its bytes are written or viewed as they are): one decoding pass,
     * remembered per source so that a search pays it once.
     */
    public void checkCopy(TensorTask task) {
        TensorTask.Input in = task.models().getFirst();
        Set<String> known = finiteCopies.computeIfAbsent(in.source(), s -> ConcurrentHashMap.newKeySet());
        if (known.contains(in.name())) {
            return;
        }
        MemorySegment bytes = in.source().bytes(in.name());
        DType dtype = in.source().info(in.name()).dtype();
        long size = dtype.byteSize();
        long numel = bytes.byteSize() / size;
        long[] firstBad = {Long.MAX_VALUE};
        blocks(numel, BLOCK, (from, len) -> {
            long at = NonFinite.first(dtype, bytes.asSlice(from * size, len * size));
            if (at >= 0) {
                synchronized (firstBad) {
                    firstBad[0] = Math.min(firstBad[0], from + at);
                }
            }
        });
        in.source().releasePages(in.name());
        if (firstBad[0] == Long.MAX_VALUE) {
            known.add(in.name());
            return;
        }
        float[] one = new float[1];
        FloatCodec.decode(dtype, bytes, firstBad[0] * size, one, 0, 1);
        nonFinite(task, firstBad[0], one[0]);
    }

    private void nonFinite(TensorTask task, long element, float value) {
        String name = task.output().name();
        String what = "merged tensor '" + name + "' has " + NonFinite.describe(value) + " at element " + element + ": "
                + NonFinite.blame(task);
        if (nonFiniteWarnings == null) {
            throw new NonFinite.Error(what);
        }
        if (warned.add(name)) {
            int n = warned.size();
            if (n <= MAX_NONFINITE_WARNINGS) {
                nonFiniteWarnings.accept(what);
            } else if (n == MAX_NONFINITE_WARNINGS + 1) {
                nonFiniteWarnings.accept("more merged tensors hold NaN or Inf; only the first "
                        + MAX_NONFINITE_WARNINGS + " are listed");
            }
        }
    }

    private float[] read(TensorTask.Input in, int numel) {
        float[] dst = new float[numel];
        blocks(numel, BLOCK, (from, len) -> in.source().readFloats(in.name(), from, dst, (int) from, (int) len));
        return dst;
    }

    @FunctionalInterface
    private interface Block {
        void run(long from, long len);
    }

    /** Runs {@code block} over [0, n) in pieces of {@code size}, in parallel when there is more than one piece. */
    private void blocks(long n, long size, Block block) {
        if (n <= size) {
            if (n > 0) {
                block.run(0, n);
            }
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>();
        for (long from = 0; from < n; from += size) {
            long f = from;
            long len = Math.min(size, n - from);
            tasks.add(pool.submit(() -> block.run(f, len)));
        }
        for (ForkJoinTask<?> t : tasks) {
            t.join();
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
