/**
 * A kafkajs partition assigner that co-locates partition p of every subscribed topic on one group
 * member, so that the inputs, outputs and feedback of partition p (keyed by model_id, hence the same
 * models) meet in one process and one shard: the request join and the per-model windows stay local.
 * kafkajs' default round-robin assigner spreads topic-partitions without regard to their index.
 *
 * Members are sorted by member id and partition indexes are split into contiguous, even ranges
 * (the first `P mod M` members get one more). Contiguous ranges (rather than every M-th index) keep a
 * member's partitions spread over its shards (shard = p mod N).
 */
import { AssignerProtocol, PartitionAssigner } from 'kafkajs';
import type { Logger } from 'pino';

/** Protocol name members announce; every member of a group must run the same assigner. */
export const CO_PARTITION_PROTOCOL = 'driftwatch-copartition';

export interface CoPartitionPlan {
  /** memberId → topic → partitions (sorted). Members with nothing get an empty object. */
  assignment: Map<string, Record<string, number[]>>;
  /** False when the topics do not all have the same partition count. */
  coPartitioned: boolean;
}

/**
 * The pure assignment: every partition index below the largest partition count is owned by exactly
 * one member, which gets that index of every topic that has it. Deterministic for the same members
 * (in any order) and partition counts, also when the counts differ.
 */
export function planCoPartitioned(memberIds: readonly string[], partitionCounts: Readonly<Record<string, number>>): CoPartitionPlan {
  const members = [...new Set(memberIds)].sort();
  const topics = Object.keys(partitionCounts).sort();
  const counts = topics.map((t) => partitionCounts[t]!);
  const maxPartitions = counts.length === 0 ? 0 : Math.max(...counts);
  const coPartitioned = counts.every((c) => c === maxPartitions);
  const assignment = new Map<string, Record<string, number[]>>();
  for (const m of members) assignment.set(m, {});
  if (members.length === 0) return { assignment, coPartitioned };

  const base = Math.floor(maxPartitions / members.length);
  const extra = maxPartitions % members.length;
  let next = 0;
  members.forEach((member, i) => {
    const size = base + (i < extra ? 1 : 0);
    const owned: Record<string, number[]> = {};
    for (const topic of topics) {
      const count = partitionCounts[topic]!;
      const partitions: number[] = [];
      for (let p = next; p < next + size && p < count; p++) partitions.push(p);
      if (partitions.length > 0) owned[topic] = partitions;
    }
    assignment.set(member, owned);
    next += size;
  });
  return { assignment, coPartitioned };
}

/**
 * Builds the kafkajs assigner factory. `logger` receives the coded error when the subscribed topics
 * are not co-partitioned (the assignment still happens, deterministically).
 */
export function createCoPartitionAssigner(logger?: Logger): PartitionAssigner {
  return ({ cluster, logger: kafkaLogger }) => ({
    name: CO_PARTITION_PROTOCOL,
    version: 1,
    async assign({ members, topics }) {
      const partitionCounts: Record<string, number> = {};
      for (const topic of topics) partitionCounts[topic] = cluster.findTopicPartitionMetadata(topic).length;
      const plan = planCoPartitioned(
        members.map((m) => m.memberId),
        partitionCounts,
      );
      if (!plan.coPartitioned) {
        const fields = { code: 'DRIFTWATCH_TOPICS_NOT_COPARTITIONED', partitionCounts };
        const message = 'the subscribed topics have different partition counts: events of one model may not meet in one shard';
        if (logger) logger.error(fields, message);
        else kafkaLogger.error(message, fields);
      }
      return [...plan.assignment].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return {
        name: CO_PARTITION_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

/** The assigner with kafkajs' own logger: `partitionAssigners: [CoPartitionAssigner]`. */
export const CoPartitionAssigner: PartitionAssigner = createCoPartitionAssigner();
