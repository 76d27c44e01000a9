import type { NatsConnection } from '@nats-io/transport-node';
import type { MetricsLink } from '../../cluster/metrics-publisher.ts';
import { METRICS_PING, METRICS_PREFIX, metricsSubject } from './subjects.ts';

/** Node metrics on core NATS: `leadbot.metrics.<node>`; pings on `leadbot.metrics-ping`. */
export function natsMetricsLink(nc: NatsConnection, nodeId: string): MetricsLink {
  const subject = metricsSubject(nodeId);
  return {
    publish(json) {
      if (!nc.isClosed()) nc.publish(subject, json);
    },
    onPing(handler) {
      const sub = nc.subscribe(METRICS_PING, { callback: (error) => (error ? undefined : handler()) });
      return () => sub.unsubscribe();
    },
    onReport(handler) {
      const decoder = new TextDecoder();
      const sub = nc.subscribe(`${METRICS_PREFIX}.>`, {
        callback: (error, msg) => (error ? undefined : handler(decoder.decode(msg.data))),
      });
      return () => sub.unsubscribe();
    },
  };
}
