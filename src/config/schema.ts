import { z } from 'zod';
import type { HandoffEnv } from './handoff.ts';
import type { Secrets } from './secrets.ts';

export type { Secrets } from './secrets.ts';
import { serverSettings } from './schema/server-settings.ts';
import { conversationSettings } from './schema/conversation-settings.ts';
import { clusterSettings } from './schema/cluster-settings.ts';
import { securitySettings } from './schema/security-settings.ts';
import {
  memorySettings,
  retentionSettings,
  storageSettings,
  supervisorSettings,
  busSettings,
  logSettings,
  inspectSettings,
} from './schema/runtime-settings.ts';
import { modelSettings, llmSettings } from './schema/llm-settings.ts';
import { crmSettings, channelsSettings } from './schema/channel-settings.ts';

/**
 * Every setting leadbot reads, with its default. Files (`config/default.json`, then the file named by
 * `LEADBOT_CONFIG`) are merged, then environment variables win. Secrets come only from the environment.
 *
 * Each setting carries its description (`.describe()`): `npm run docs:config` writes
 * docs/configuration.md from this schema and the environment table in `load.ts`.
 */
export const SettingsSchema = z
  .object({
    server: serverSettings,
    dataDir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Where LMDB keeps history, snapshots, leads and the outbox, and the generated admin token.'),
    tenantsDir: z
      .string()
      .min(1)
      .default('./config/tenants')
      .describe('Folder with one sub-folder per tenant (`tenant.json`, `catalog.json`, `knowledge/`).'),
    defaultTenant: z
      .string()
      .min(1)
      .default('demo')
      .describe('Tenant used when a channel does not name one (REST without `tenant`, CLI).'),
    nodeId: z
      .string()
      .min(1)
      .optional()
      .describe('Id of this process in logs and metrics. Unset: host name + pid.'),
    conversation: conversationSettings,
    cluster: clusterSettings,
    security: securitySettings,
    memory: memorySettings,
    retention: retentionSettings,
    storage: storageSettings,
    supervisor: supervisorSettings,
    bus: busSettings,
    model: modelSettings,
    llm: llmSettings,
    crm: crmSettings,
    channels: channelsSettings,
    log: logSettings,
    inspect: inspectSettings,
  })
  .strict()
  .superRefine((settings, ctx) => {
    // SecurityConfig is enforced, not just declared.
    if (settings.model.temperature > settings.security.maxTemperature)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'temperature'],
        message: `${settings.model.temperature} is above security.maxTemperature (${settings.security.maxTemperature})`,
      });
    if (settings.model.maxTokens > settings.security.maxOutputTokens)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'maxTokens'],
        message: `${settings.model.maxTokens} is above security.maxOutputTokens (${settings.security.maxOutputTokens})`,
      });
  });

/** Settings after validation, plus secrets that only come from the environment. */
export type Settings = z.infer<typeof SettingsSchema>;

export interface Config extends Settings {
  nodeId: string;
  /** Human handoff: alert targets, the Slack app, operator tokens (environment only). */
  handoff: HandoffEnv;
  secrets: Secrets;
  /** Files that were read, for the start-up log. */
  sources: string[];
  /** Settings that were given but are not supported by this version (logged at start). */
  warnings: string[];
}
