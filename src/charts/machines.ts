/**
 * The machines a developer can look at: `conversation` (every conversation's actor) and `keypool`
 * (the KeyPool actor: an `@xstate/store` mailbox, drawn with the per-key health its handlers keep).
 */
import { setup } from 'xstate';
import {
  CONVERSATION_EVENTS,
  MACHINE_VERSION,
  conversationMachine,
} from '../../machines/conversation-machine.ts';
import { KEY_POOL_EVENTS, type KeyPoolEvent } from '../runtime/key-pool-events.ts';
import { chartOf, type Chart } from './model.ts';

export const MACHINE_NAMES = ['conversation', 'keypool'] as const;
export type MachineName = (typeof MACHINE_NAMES)[number];

const never = () => false;

/**
 * The KeyPool actor as a chart: the mailbox (every event handled in `serving`; a handler that throws
 * rebuilds the core) in parallel with one key's health as `KeyHealth` keeps it: 429 cooldowns and
 * the circuit breaker (closed, open after `failureThreshold` failures in a row, half-open: one probe).
 */
export const keyPoolChartMachine = setup({
  guards: {
    failuresReachThreshold: never,
    retryAfterElapsed: never,
    breakerCooldownElapsed: never,
  },
}).createMachine({
  id: 'keypool',
  description: 'The KeyPool actor: one mailbox for the node’s LLM keys (acquire / release messages)',
  type: 'parallel',
  states: {
    mailbox: {
      description: 'Events are handled one at a time, in order',
      initial: 'serving',
      states: {
        serving: {
          description: 'Handles each event on the pool core; the snapshot feeds /metrics and the inspector',
          on: {
            ...Object.fromEntries(
              (Object.keys(KEY_POOL_EVENTS) as KeyPoolEvent[])
                .filter((e) => e !== 'crashed')
                .map((e) => [e, { description: KEY_POOL_EVENTS[e] }]),
            ),
            crashed: { target: 'restarting', description: KEY_POOL_EVENTS.crashed },
          },
        },
        restarting: {
          description: 'A new core takes over the keys, pins, open leases and waiting acquires',
          always: 'serving',
        },
      },
    },
    key: {
      description: 'Each key’s health (every key has its own)',
      initial: 'available',
      states: {
        available: {
          description: 'Healthy: leased when its pacer has room',
          on: {
            'rate.limited': 'coolingDown',
            'lease.failed': { guard: 'failuresReachThreshold', target: 'open' },
            'key.failed': { guard: 'failuresReachThreshold', target: 'open' },
          },
        },
        coolingDown: {
          description: 'Answered 429: not leased until Retry-After has passed',
          on: { tick: { guard: 'retryAfterElapsed', target: 'available' } },
        },
        open: {
          description: 'Circuit breaker open after failures in a row: not leased for the breaker cooldown',
          on: { tick: { guard: 'breakerCooldownElapsed', target: 'halfOpen' } },
        },
        halfOpen: {
          description: 'One probe request may go out; its outcome closes or reopens the breaker',
          on: {
            'key.succeeded': 'available',
            'usage.reported': 'available',
            'lease.failed': 'open',
            'key.failed': 'open',
          },
        },
      },
    },
  },
});

/** The chart of a machine by name; undefined for an unknown name. */
export function machineChart(name: string): Chart | undefined {
  if (name === 'conversation') return chartOf(conversationMachine, CONVERSATION_EVENTS, MACHINE_VERSION);
  if (name === 'keypool') return chartOf(keyPoolChartMachine, KEY_POOL_EVENTS);
  return undefined;
}
