import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Intake } from '../channels/intake.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { KeyPoolApi } from '../runtime/key-pool-actor.ts';
import type { SkillManager } from '../runtime/skill-manager.ts';
import type { ConversationSupervisor } from '../runtime/supervisor.ts';
import type { Http } from './http.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Memory } from './memory.ts';
import type { Storage } from './storage.ts';

/** How `startLeadbot` runs a node (the CLI chat turns HTTP off; tests pass a logger and a clock). */
export interface StartOptions {
  /** Serve HTTP (widget, REST, metrics). Off for the embedded CLI chat. */
  http?: boolean;
  logger?: Logger;
  clock?: Clock;
}

/** A running leadbot node. */
export interface Leadbot {
  config: Readonly<Config>;
  /** `http://host:port` when HTTP is on. */
  url?: string;
  app?: FastifyInstance;
  bus: Bus;
  store: Store;
  intake: Intake;
  supervisor: ConversationSupervisor;
  skills: SkillManager;
  /** Hash-chained audit log (escalations, handoffs, blocks, admin actions). */
  audit: AuditLog;
  /** Rolling summaries of long conversations. */
  memory: Pick<Memory, 'consolidator' | 'summaries' | 'intelligence'>;
  /** Present when LLM keys are configured. */
  pool?: KeyPoolApi;
  adminToken: string;
  /** Stops intake, drains in-flight turns, persists, closes the store (reverse start order). */
  close(): Promise<void>;
}

export /** The running node as its callers see it; `close` runs the start list backwards, once. */
function nodeOf(
  { config, life, log }: { config: Readonly<Config>; life: Lifecycle; log: Logger },
  {
    storage,
    bus,
    pool,
    memory,
  }: { storage: Storage; bus: Bus; pool: KeyPoolApi | undefined; memory: Memory },
  {
    http,
    intake,
    supervisor,
    skills,
  }: { http: Http; intake: Intake; supervisor: ConversationSupervisor; skills: SkillManager },
): Leadbot {
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('shutting down: intake stops, in-flight turns finish, state is persisted');
      await life.close();
      log.info('stopped');
    })());
  const { consolidator, summaries, intelligence } = memory;
  const { store, audit, admin } = storage;
  const memoryView = { consolidator, summaries, intelligence };
  const node: Leadbot = {
    config,
    bus,
    store,
    intake,
    supervisor,
    skills,
    audit,
    memory: memoryView,
    close,
    adminToken: admin.token,
  };
  if (pool) node.pool = pool;
  if (http.url) node.url = http.url;
  if (http.app) node.app = http.app;
  return node;
}
