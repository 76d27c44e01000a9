import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { errorMessage } from '../../errors.ts';
import type { ClusterLogger } from './partition-leases.ts';
import { INBOUND_STREAM, consumerName, inboundSubject } from './subjects.ts';

export interface PartitionConsumersOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: ClusterLogger;
  /** JetStream redelivers a message not acked (nor marked in progress) within this long (default 60 s). */
  ackWaitMs?: number | undefined;
  /** Deliveries of one message before JetStream stops trying (default 100). */
  maxDeliver?: number | undefined;
  /** Messages a partition delivers to its owner before acks (default 64). */
  maxAckPending?: number | undefined;
  /** The fence of the partition's lease while this node holds it. */
  fence: (partition: number) => number | undefined;
  /** One delivered message of an owned partition, `redelivered` when it may have run before. */
  receive: (partition: number, msg: JsMsg, redelivered: boolean) => void;
}

/**
 * The durable pull consumers of the partitions this node owns, one per partition, named after the
 * lease's fence. Each delivers its messages to `receive` while the lease it started under lasts.
 */
export class PartitionConsumers {
  private readonly pulls = new Map<number, ConsumerMessages>();

  constructor(private readonly options: PartitionConsumersOptions) {}

  /** Partitions with a consumer running. */
  partitions(): number[] {
    return [...this.pulls.keys()];
  }

  /** Replaces the previous owner's consumer with ours and starts pulling from it. */
  async start(partition: number, fence: number): Promise<void> {
    const { js, jsm } = this.options;
    const subject = inboundSubject(partition);
    const name = consumerName(partition, fence);
    // The previous owner's consumer goes: what it did not ack is delivered again, in order, to ours.
    // What it had delivered may have been handled already: those messages are marked redelivered.
    let deliveredBefore = 0;
    for await (const info of jsm.consumers.list(INBOUND_STREAM)) {
      if (info.config.filter_subject !== subject || info.name === name) continue;
      deliveredBefore = Math.max(deliveredBefore, info.delivered.stream_seq);
      await jsm.consumers.delete(INBOUND_STREAM, info.name);
    }
    await jsm.consumers.add(INBOUND_STREAM, {
      durable_name: name,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs ?? 60_000),
      max_deliver: this.options.maxDeliver ?? 100,
      max_ack_pending: this.options.maxAckPending ?? 64,
    });
    const consumer = await js.consumers.get(INBOUND_STREAM, name);
    const messages = await consumer.consume({ max_messages: this.options.maxAckPending ?? 64 });
    this.pulls.set(partition, messages);
    void this.pull(partition, fence, messages, deliveredBefore);
  }

  /** Stops the partition's consumer (its unacked messages wait for the next owner). */
  async close(partition: number): Promise<void> {
    const messages = this.pulls.get(partition);
    this.pulls.delete(partition);
    try {
      await messages?.close();
    } catch (error) {
      this.options.log.debug({ partition, err: errorMessage(error) }, 'closing a partition consumer failed');
    }
  }

  /** Forgets every consumer (the connection is gone). */
  clear(): void {
    this.pulls.clear();
  }

  private async pull(
    partition: number,
    fence: number,
    messages: ConsumerMessages,
    deliveredBefore: number,
  ): Promise<void> {
    try {
      for await (const msg of messages) {
        if (this.options.fence(partition) !== fence) break;
        this.options.receive(partition, msg, msg.redelivered || msg.seq <= deliveredBefore);
      }
    } catch (error) {
      this.options.log.warn({ partition, err: errorMessage(error) }, 'partition consumer stopped');
    }
  }
}
