/**
 * The cluster evaluation backend on Hazelcast: the coordinator's {@link dev.evomerge.cluster.ClusterBackend} and the
 * {@link dev.evomerge.cluster.Worker} members that evaluate candidates. See docs/cluster.md and docs/architecture.md.
 */
package dev.evomerge.cluster;
