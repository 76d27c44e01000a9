import type { InboundMessage } from '../protocol/index.ts';
import type { Delivery } from '../ports/bus.ts';
import { HumanDesk } from './human-commands.ts';
import { applyEvent } from './supervisor/actor-turn.ts';
import { publish } from './supervisor/outbound.ts';
import { Passivation } from './supervisor/passivation.ts';
import { ConversationRegistry } from './supervisor/registry.ts';
import { RestartPolicy } from './supervisor/restart-policy.ts';
import { phaseOf } from './supervisor/state.ts';
import { scheduleTimers } from './supervisor/timers.ts';
import { handleMessage } from './supervisor/turn.ts';
import type { SupervisorContext } from './supervisor/context.ts';
import type { SupervisorOptions } from './supervisor/types.ts';

export { phaseOf, TurnTimeoutError } from './supervisor/state.ts';
export type { RestartIntensity, SupervisorOptions } from './supervisor/types.ts';

/**
 * Owns the live conversation actors: spawns or rehydrates one per conversation, feeds it one message
 * at a time (the bus guarantees that), persists its snapshot and history after every turn before any
 * reply leaves, and replaces an actor that failed with a fresh one from its last snapshot.
 *
 * The parts live in `./supervisor/`: the registry of conversations in memory, the restart policy,
 * passivation of idle conversations, the durable timers, and the turn itself.
 */
export class ConversationSupervisor {
  private readonly registry: ConversationRegistry;
  private readonly restarts: RestartPolicy;
  private readonly passivation: Passivation;
  /** Operators' commands (take over, write, give back…), in the conversation's order. */
  private readonly desk: HumanDesk;
  private readonly context: SupervisorContext;

  constructor(private readonly options: SupervisorOptions) {
    this.registry = new ConversationRegistry();
    this.restarts = new RestartPolicy(options);
    this.passivation = new Passivation(options, this.registry, this.restarts);
    this.desk = new HumanDesk({
      store: options.store,
      clock: options.clock,
      publish: (event) => publish(options, event),
      applyEvent: (message, log, event, lines) => applyEvent(this.context, message, log, event, lines),
      phaseOf,
      reset: (conversationId) => this.registry.stopActor(conversationId),
      schedule: (message, state, turn) => scheduleTimers(options, message, state, turn, []),
      onHuman: options.onHuman,
    });
    this.context = {
      options,
      registry: this.registry,
      restarts: this.restarts,
      desk: this.desk,
      publish: (event) => publish(options, event),
    };
  }

  /** Starts the periodic passivation sweep of idle conversations. */
  start(): void {
    this.passivation.start();
  }

  /** Conversations in memory, dormant or running (for metrics). */
  get liveCount(): number {
    return this.registry.size;
  }

  /** Started XState actors: conversations whose turn or timer is running right now. */
  get runningActors(): number {
    return this.registry.running;
  }

  /** Bus handler: one inbound message, one turn. Never rejects. */
  async handle(message: InboundMessage, delivery?: Delivery): Promise<void> {
    try {
      await handleMessage(this.context, message, delivery);
    } finally {
      // A fence is kept only for conversations in memory (memory follows the active set).
      if (delivery && !this.registry.has(message.conversationId))
        this.registry.forgetFence(message.conversationId);
    }
  }

  /** Drops a conversation from memory (after its data was erased): nothing of it is written back. */
  evict(conversationId: string): void {
    this.registry.evict(conversationId);
    this.restarts.forget(conversationId);
  }

  /** Stops actors idle longer than the idle timeout; the next message rehydrates them. */
  passivateIdle(): number {
    return this.passivation.passivateIdle();
  }

  /** Stops every actor (their state was persisted after their last turn). */
  stop(): void {
    this.passivation.stop();
    this.registry.stopAll();
  }
}
