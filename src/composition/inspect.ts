/**
 * `LEADBOT_INSPECT=1` (development only; the loader refuses it with `NODE_ENV=production`): the
 * Stately inspector (`@statelyai/inspect`) is attached to every conversation actor and to the KeyPool
 * actor. Without `inspect.url` a local inspector server is started (`@statelyai/inspect/server`,
 * port `inspect.port`) that bridges the events to the Stately inspector in a browser. Unless content
 * logging is on, message text and lead values are masked before they leave the process.
 */
import type { StoreInspectionEvent } from '@xstate/store';
import type { InspectionEvent, Observer } from 'xstate';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Part } from './lifecycle.ts';

export interface Inspection extends Part {
  /** The observer actors report to (undefined when inspection is off). */
  observer?: Observer<InspectionEvent>;
  /** Reports an `@xstate/store` actor (the KeyPool's mailbox) under `name`. */
  attachStore(name: string, store: InspectableStore): void;
}

/** What `attachStore` needs of an `@xstate/store` store. */
export interface InspectableStore {
  inspect(observer: (event: StoreInspectionEvent) => void): unknown;
}

/** The store's clock events: every second, they would drown the events that matter. */
const QUIET_STORE_EVENTS = new Set(['tick', 'snapshot', '@xstate.init']);

/**
 * Keys whose text is structure, not what a person said: event types, state values, enums, ids of
 * actors. Every other string (message text, lead values, replies, conversation ids that may hold a
 * phone number) is masked to its length unless content logging is on.
 */
const SAFE_KEYS = new Set([
  'type',
  'status',
  'tags',
  'intent',
  'phase',
  'language',
  'defaultLanguage',
  'channel',
  'tenantId',
  'interest',
  'urgency',
  'qualification',
  'ask',
  'asked',
  'expecting',
  'newlyCaptured',
  'actorId',
  'src',
  'id',
  'sessionId',
  'rootId',
  'parentId',
  'sourceId',
  'createdAt',
  '_version',
  'definition',
  'leadId',
  'reference',
  'resumeTo',
  'key_id',
  'limit_source',
]);

/** `key` marks a subtree whose strings are all structure (a snapshot's state value). */
const STRUCTURE = '\u0000structure';

function maskDeep(value: unknown, key: string | undefined, depth = 0): unknown {
  if (typeof value === 'string')
    return depth <= 1 || key === STRUCTURE || (key !== undefined && SAFE_KEYS.has(key))
      ? value
      : `‹${value.length} chars›`;
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, key, depth + 1));
  const entries = Object.entries(value as Record<string, unknown>);
  // A snapshot ({ status, value, … }): its value is the state, e.g. { handoff: 'waiting' }.
  const snapshot = 'status' in value && 'value' in value;
  return Object.fromEntries(
    entries.map(([k, v]) => {
      const inner = key === STRUCTURE || (snapshot && k === 'value') ? STRUCTURE : k;
      return [k, maskDeep(v, inner, depth + 1)];
    }),
  );
}

/** The whole inspection event with what people said masked (see `SAFE_KEYS`). */
const serialize = <E>(event: E): E => maskDeep(plain(event), undefined) as E;

/** The event as JSON data (actor refs become what their toJSON says, cycles are cut), before masking. */
function plain(event: unknown): unknown {
  const seen = new WeakSet<object>();
  return JSON.parse(
    JSON.stringify(event, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return undefined;
        seen.add(value);
      }
      return value;
    }),
  ) as unknown;
}

export async function createInspection(config: Readonly<Config>, log: Logger): Promise<Inspection> {
  const settings = config.inspect;
  if (!settings.enabled) return { name: 'inspect', attachStore: () => {}, close: () => Promise.resolve() };
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  let server: { stop(): void } | undefined;
  let url = settings.url;
  if (!url) {
    const { createInspectorServer } = await import('@statelyai/inspect/server');
    server = createInspectorServer({ port: settings.port, autoOpen: false });
    url = `ws://127.0.0.1:${settings.port}`;
    log.warn(
      { port: settings.port },
      `Stately inspector on: open http://127.0.0.1:${settings.port} (development only)`,
    );
  } else log.warn({ url }, 'Stately inspector on: sending inspection events (development only)');
  const inspector = createWebSocketInspector({
    url,
    ...(config.log.content ? {} : { serialize }),
  });
  return {
    name: 'inspect',
    observer: inspector.inspect,
    // A store reports '@xstate.transition' only, which the inspector does not read: each becomes the
    // event it handled and the snapshot after it. Only the event's type leaves (payloads hold
    // conversation ids and callbacks).
    attachStore(name, store) {
      inspector.actor(name, { status: 'active', context: {} });
      store.inspect((e) => {
        if (e.type !== '@xstate.transition' || QUIET_STORE_EVENTS.has(e.event.type)) return;
        const event = { type: e.event.type };
        inspector.event(name, event);
        const context = (e.snapshot as { context?: unknown }).context;
        inspector.snapshot(name, { status: 'active', context }, { event });
      });
    },
    close: () => {
      inspector.stop();
      server?.stop();
      return Promise.resolve();
    },
  };
}
