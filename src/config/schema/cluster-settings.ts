import { z } from 'zod';

export const clusterSettings = z
  .object({
    natsUrl: z
      .string()
      .min(1)
      .optional()
      .describe(
        'NATS server URL(s), comma-separated. Set: cluster mode — the bus, conversation state, leads and key budgets go through NATS JetStream (docs/cluster.md). Unset: one node, in-process bus.',
      ),
    role: z
      .enum(['all', 'gateway', 'worker'])
      .default('all')
      .describe(
        '`gateway`: channels and HTTP only; `worker`: conversations only; `all`: both. Needs `natsUrl`.',
      ),
    partitions: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(16)
      .describe('Partitions of the inbound stream (every node must agree); ownership moves per partition.'),
    leaseTtlMs: z
      .number()
      .int()
      .min(1000)
      .default(10_000)
      .describe('A node that stops renewing its partition leases loses them after this long.'),
    ackWaitMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('JetStream ack wait of inbound messages (long turns are marked in progress).'),
    metricsEveryMs: z
      .number()
      .int()
      .min(500)
      .default(5_000)
      .describe('How often each node publishes its metrics on `leadbot.metrics.<node>`.'),
    replicas: z
      .union([z.literal(1), z.literal(3), z.literal(5)])
      .default(1)
      .describe('Stream and bucket replicas (3 in a 3-server NATS cluster).'),
  })
  .strict()
  .prefault({})
  .describe('Cluster mode on NATS JetStream (docs/cluster.md).');
