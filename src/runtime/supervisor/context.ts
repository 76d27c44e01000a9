import type { OutboundEvent } from '../../protocol/index.ts';
import type { HumanDesk } from '../human-commands.ts';
import type { ConversationRegistry } from './registry.ts';
import type { RestartPolicy } from './restart-policy.ts';
import type { SupervisorOptions } from './types.ts';

/**
 * What the supervisor's parts share: its options, the conversations in memory, the restart policy,
 * the operators' desk and the way out to the bus. One per supervisor.
 */
export interface SupervisorContext {
  readonly options: SupervisorOptions;
  readonly registry: ConversationRegistry;
  readonly restarts: RestartPolicy;
  readonly desk: HumanDesk;
  /** Publishes an outbound event; a bus failure is logged, never thrown. */
  publish(event: OutboundEvent): Promise<void>;
}
