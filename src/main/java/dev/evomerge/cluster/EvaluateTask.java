package dev.evomerge.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.evomerge.search.Genome;
import dev.evomerge.search.RunContext;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * One candidate sent to one worker: the run's context (a few KB; the worker builds its evaluators from it once per
 * run and keeps them) and the genome with the generation's prune threshold. The worker decodes the genome with the
 * run's own space, so the recipe is the coordinator's to the bit.
 */
final class EvaluateTask implements Callable<WorkerReply>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private final RunContext context;
    private final double[] genes;
    private final double pruneBelow;
    private transient HazelcastInstance instance;

    EvaluateTask(RunContext context, Genome genome, double pruneBelow) {
        this.context = context;
        this.genes = genome.genes();
        this.pruneBelow = pruneBelow;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.instance = instance;
    }

    @Override
    public WorkerReply call() {
        Object state = instance.getUserContext().get(WorkerState.KEY);
        if (!(state instanceof WorkerState worker)) {
            return WorkerReply.internal(instance.getCluster().getLocalMember().getAddress().toString(),
                    new IllegalStateException("this member is not an evomerge worker"));
        }
        return worker.evaluate(context, new Genome(genes), pruneBelow);
    }
}
