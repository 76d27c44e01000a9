import type { LmdbDeduper } from '../adapters/lmdb-dedupe.ts';
import type { SharedTimers } from '../adapters/nats/shared-timers.ts';
import { ClusterPoolView } from '../cluster/cluster-pool.ts';
import { MetricsPublisher } from '../cluster/metrics-publisher.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../runtime/metrics.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { DurableTimers } from '../runtime/durable-timers.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { ClusterLayer } from './cluster.ts';
import type { Part } from './lifecycle.ts';

/**
 * The node takes work: the supervisor consumes the bus and timers fire (a gateway runs channels and
 * HTTP only, so it consumes nothing). Started last, closed first: closing refuses new messages
 * (`shutting_down`) and waits for in-flight turns, whose replies still reach the open sockets.
 */
export function startConsuming(deps: {
  bus: Bus;
  cluster: ClusterLayer;
  supervisor: ConversationSupervisor;
  timers: DurableTimers | SharedTimers;
  dedupe?: LmdbDeduper;
  clock: Clock;
}): Part {
  const { bus, cluster, supervisor, timers, dedupe, clock } = deps;
  return {
    name: 'consuming',
    async start() {
      if (cluster.role !== 'gateway') {
        bus.consume((message, delivery) => supervisor.handle(message, delivery));
        supervisor.start();
        await timers.start();
      }
      // A gateway's de-duplication learns that a message was handled from the worker's turn.completed.
      if (cluster.nats && cluster.role !== 'worker' && dedupe)
        bus.subscribeOutbound((event) => {
          if (event.type === 'turn.completed')
            dedupe.confirm(event.conversationId, event.inReplyTo, clock.now());
        });
    },
    async close() {
      timers.close();
      await bus.drain();
    },
  };
}

/** Cluster mode: this node's figures published for `leadbot metrics` (stopped before intake drains). */
export function publishing(
  config: Readonly<Config>,
  cluster: ClusterLayer,
  metrics: Metrics,
  log: Logger,
): Part {
  const nats = cluster.nats;
  const publisher = nats
    ? new MetricsPublisher({
        link: nats.metricsLink,
        nodeId: config.nodeId,
        role: cluster.role,
        report: () => metrics.report(),
        cluster: () => nats.bus.clusterStats(),
        everyMs: config.cluster.metricsEveryMs,
        log: log.child({ component: 'metrics' }),
      })
    : undefined;
  const view = nats ? new ClusterPoolView({ nodeId: config.nodeId, now: () => Date.now() }) : undefined;
  let stopReports: (() => void) | undefined;
  return {
    name: 'metrics-publisher',
    start() {
      if (nats && view) {
        stopReports = nats.metricsLink.onReport?.((json) => view.observe(json));
        metrics.setClusterPool((own) => view.report(own));
      }
      publisher?.start();
    },
    close() {
      stopReports?.();
      return publisher?.close();
    },
  };
}
