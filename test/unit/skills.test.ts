import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import leadCapture from '../../skills/lead-capture/index.ts';
import productKb from '../../skills/product-kb/index.ts';
import { runToolCall, tool, toolSpec, type Skill, type ToolContext } from '../../skills/tool.ts';
import { DEFAULT_SKILL_POLICY, SkillManager } from '../../src/runtime/skill-manager.ts';
import { SKILL_LOADERS, TOOL_NAMES } from '../../skills/registry.ts';
import type { ExtractedFields } from '../../src/protocol/index.ts';

function context(over: Partial<ToolContext> = {}): ToolContext & { captured: ExtractedFields } {
  const captured: ExtractedFields = {};
  return {
    conversationId: 'demo:web:s',
    tenantId: 'demo',
    language: 'es',
    signal: new AbortController().signal,
    lead: {},
    capture: (f) => Object.assign(captured, f),
    services: {
      knowledge: {
        search: (tenantId, query) =>
          Promise.resolve([{ source: 'kb:pricing', title: `T ${tenantId}`, snippet: query, score: 1 }]),
        pricing: () => Promise.resolve([]),
      },
      crm: {
        pushLead: () => Promise.resolve({ status: 'incomplete' }),
        createTicket: () => Promise.resolve({ status: 'incomplete' }),
      },
    },
    captured,
    ...over,
  };
}

describe('tool(): one line binds a function to its zod schema', () => {
  const add = tool({
    name: 'add',
    description: 'Adds',
    input: z.object({ a: z.number(), b: z.number().default(1) }),
    execute: ({ a, b }) => a + b,
  });

  it('generates the JSON Schema the model sees', () => {
    expect(toolSpec(add)).toEqual({
      name: 'add',
      description: 'Adds',
      parameters: expect.objectContaining({
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number', default: 1 } },
        required: ['a'],
      }),
    });
    expect(toolSpec(add).parameters).not.toHaveProperty('$schema');
  });

  it('runs valid calls and turns every failure into an error the model can read', async () => {
    const boom = tool({
      name: 'boom',
      description: '',
      input: z.object({}),
      execute: () => {
        throw new Error('kaput');
      },
    });
    const tools = [add, boom];
    expect(await runToolCall(tools, 'add', '{"a":2}', context())).toEqual({ ok: true, result: 3 });
    expect(await runToolCall(tools, 'nope', '{}', context())).toEqual({
      ok: false,
      error: "Unknown tool 'nope'. Available: add, boom.",
    });
    expect(await runToolCall(tools, 'add', '{"a":', context())).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not valid JSON/),
    });
    expect(await runToolCall(tools, 'add', '{"a":"two"}', context())).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Invalid arguments for 'add': a:/),
    });
    expect(await runToolCall(tools, 'boom', '', context())).toEqual({
      ok: false,
      error: "'boom' failed: kaput",
    });
  });
});

describe('seed skills', () => {
  it('TOOL_NAMES lists exactly the tools the skills offer', async () => {
    const names: string[] = [];
    for (const load of Object.values(SKILL_LOADERS))
      names.push(...(await load()).default.tools.map((t) => t.name));
    expect(names.sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('save_temp_lead_data captures fields, rejects a bad email and says what is missing', async () => {
    const ctx = context();
    const outcome = await runToolCall(
      leadCapture.tools,
      'save_temp_lead_data',
      JSON.stringify({ name: 'Ana', email: 'ana@', company: 'Acme' }),
      ctx,
    );
    expect(outcome).toEqual({
      ok: true,
      result: {
        saved: ['name', 'company'],
        rejected: { email: expect.any(String) },
        missing: ['email', 'problem'],
      },
    });
    expect(ctx.captured).toEqual({ name: 'Ana', company: 'Acme' });
  });

  it('verify_email_format validates and suggests typo fixes', async () => {
    const run = (email: string) =>
      runToolCall(leadCapture.tools, 'verify_email_format', JSON.stringify({ email }), context());
    expect(await run('ana@acme.com')).toEqual({ ok: true, result: { valid: true } });
    expect(await run('ana@gmial.com')).toEqual({
      ok: true,
      result: { valid: true, suggestion: 'ana@gmail.com' },
    });
    expect(await run('ana at acme')).toEqual({
      ok: true,
      result: { valid: false, reason: 'not_an_email_address' },
    });
  });

  it('search_product_catalog searches the conversation tenant only and returns sources', async () => {
    const outcome = await runToolCall(
      productKb.tools,
      'search_product_catalog',
      '{"query":"precios"}',
      context({ tenantId: 'acme' }),
    );
    expect(outcome).toEqual({
      ok: true,
      result: { hits: [{ source: 'kb:pricing', title: 'T acme', snippet: 'precios' }] },
    });
  });
});

describe('the topic decides the tools', () => {
  it('buying loads the catalog; a problem loads the help pages, then tickets once registered', () => {
    const m = new SkillManager();
    expect(m.skillsFor({ phase: 'capture', wantsProductInfo: false })).toEqual(['lead_capture']);
    expect(m.skillsFor({ phase: 'capture', wantsProductInfo: false, interest: 'Ventas' })).toEqual([
      'lead_capture',
      'product_kb',
    ]);
    expect(m.skillsFor({ phase: 'support', wantsProductInfo: false, interest: 'Soporte' })).toEqual([
      'crm_integration',
      'product_kb',
    ]);
    expect(m.skillsFor({ phase: 'spam', wantsProductInfo: true, interest: 'Ventas' })).toEqual([]);
  });
});

describe('SecurityConfig: allowed tools per state', () => {
  it('a state listed in security.allowedTools is offered only those tools', async () => {
    const m = new SkillManager(DEFAULT_SKILL_POLICY, SKILL_LOADERS, { capture: ['verify_email_format'] });
    const capture = await m.toolsFor({ phase: 'capture', wantsProductInfo: true });
    expect(capture.map((t) => t.name)).toEqual(['verify_email_format']);
    const triage = await m.toolsFor({ phase: 'triage', wantsProductInfo: false });
    expect(triage.map((t) => t.name).sort()).toEqual(['save_temp_lead_data', 'verify_email_format']);
  });

  it('unknown tools or states in the setting refuse to start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-tools-'));
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify({ security: { allowedTools: { capture: ['rm_rf'], lobby: [] } } }));
    expect(() => loadConfig({ env: { LEADBOT_CONFIG: file } })).toThrow(/security\.allowedTools/);
  });
});

describe('SkillManager', () => {
  function manager() {
    const imported: string[] = [];
    const fake =
      (name: string): (() => Promise<{ default: Skill }>) =>
      () => {
        imported.push(name);
        return Promise.resolve({
          default: {
            name,
            description: '',
            tools: [
              tool({ name: `${name}_tool`, description: '', input: z.object({}), execute: () => null }),
            ],
          },
        });
      };
    const m = new SkillManager(DEFAULT_SKILL_POLICY, {
      lead_capture: fake('lead_capture'),
      crm_integration: fake('crm_integration'),
      product_kb: fake('product_kb'),
    });
    return { m, imported };
  }

  it('imports a skill the first time a turn needs it, once', async () => {
    const { m, imported } = manager();
    expect(imported).toEqual([]);
    expect((await m.toolsFor({ phase: 'capture', wantsProductInfo: false })).map((t) => t.name)).toEqual([
      'lead_capture_tool',
    ]);
    await m.toolsFor({ phase: 'capture', wantsProductInfo: false });
    expect(imported).toEqual(['lead_capture']);
    expect((await m.toolsFor({ phase: 'capture', wantsProductInfo: true })).map((t) => t.name)).toEqual([
      'lead_capture_tool',
      'product_kb_tool',
    ]);
    expect(imported).toEqual(['lead_capture', 'product_kb']);
  });

  it('offers only what the state allows', async () => {
    const { m } = manager();
    expect(await m.toolsFor({ phase: 'spam', wantsProductInfo: true })).toEqual([]);
    expect((await m.toolsFor({ phase: 'handoff', wantsProductInfo: false })).map((t) => t.name)).toEqual([
      'crm_integration_tool',
    ]);
    expect(m.skillsFor({ phase: 'closed', wantsProductInfo: false })).toEqual([]);
  });

  it('the real registry loads the real skills lazily', async () => {
    const m = new SkillManager();
    expect(m.loadedSkills).toEqual([]);
    const tools = await m.toolsFor({ phase: 'support', wantsProductInfo: true });
    expect(tools.map((t) => t.name).sort()).toEqual([
      'create_support_ticket',
      'get_pricing_tier',
      'push_lead_to_crm',
      'search_product_catalog',
    ]);
  });
});
