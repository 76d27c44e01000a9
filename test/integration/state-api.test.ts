import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Leadbot } from '../../src/main.ts';
import { ADMIN_TOKEN, startTestLeadbot } from '../helpers/in-process.ts';

interface StateView {
  value: string;
  machineVersion: number;
  transitions: { at: string; event: string; from: string; to: string; guard?: string; fields?: string[] }[];
}

describe('a conversation on its state chart (API)', () => {
  let node: (Leadbot & { url: string }) | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  const say = async (url: string, message: string, sender = 'st-1') => {
    const res = await fetch(`${url}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender, message }),
    });
    expect(res.status).toBe(200);
  };
  const state = async (url: string, id = 'demo:rest:st-1', token: string | null = ADMIN_TOKEN) => {
    const res = await fetch(`${url}/api/conversations/${encodeURIComponent(id)}/state`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, body: (await res.json()) as StateView };
  };

  it('logs every step with its event and guard, keeps no text, survives a restart and stays bounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-state-'));
    node = await startTestLeadbot({}, dir);
    await say(node.url, 'Hola, necesitamos cotizar rutas para 30 camiones');
    const first = await state(node.url);
    expect(first.status).toBe(200);
    expect(first.body.value).toBe('capture.waiting');
    expect(first.body.machineVersion).toBe(1);
    const steps = first.body.transitions.map((t) => `${t.from} -${t.event}-> ${t.to}`);
    expect(steps.slice(0, 3)).toEqual([
      ' -xstate.init-> triage.waiting',
      'triage.waiting -user.message.received-> triage.analysing',
      'triage.analysing -done.analyse-> triage.routing',
    ]);
    expect(first.body.transitions).toContainEqual(
      expect.objectContaining({
        from: 'triage.routing',
        to: 'capture.routing',
        guard: 'hasSomethingToCapture',
      }),
    );
    expect(first.body.transitions[2]!.fields).toEqual(['problem']);
    expect(Number.isNaN(Date.parse(first.body.transitions[0]!.at))).toBe(false);

    await say(node.url, 'Soy Ana Pérez, ana.perez@transportesandinos.com');
    const done = await state(node.url);
    expect(done.body.value).toBe('handoff.waiting');
    expect(done.body.transitions.slice(0, first.body.transitions.length)).toEqual(first.body.transitions);
    expect(done.body.transitions).toContainEqual(
      expect.objectContaining({
        from: 'capture.analysing',
        event: 'done.analyse',
        fields: ['name', 'email'],
      }),
    );
    const raw = JSON.stringify(done.body);
    for (const said of ['camiones', 'Ana', 'ana.perez', 'transportesandinos'])
      expect(raw).not.toContain(said);

    // Restarted on the same data: the log is read back with the snapshot, and goes on.
    await node.close();
    node = await startTestLeadbot({}, dir);
    expect((await state(node.url)).body).toEqual(done.body);
    for (let i = 0; i < 12; i++) await say(node.url, `¿Tienen integración con SAP? pregunta ${i}`);
    const long = await state(node.url);
    expect(long.body.transitions.length).toBe(60);
    expect(long.body.transitions.at(-1)!.to).toBe('handoff.waiting');
    expect(long.body.transitions[0]).not.toEqual(done.body.transitions[0]);
  }, 60_000);

  it('asks for a token, answers 404 for an unknown conversation, serves the machines publicly', async () => {
    node = await startTestLeadbot();
    await say(node.url, 'Hola');
    expect((await state(node.url, 'demo:rest:st-1', null)).status).toBe(401);
    expect((await state(node.url, 'demo:rest:st-1', 'wrong-token')).status).toBe(401);
    expect((await state(node.url, 'demo:rest:nobody')).status).toBe(404);

    const json = await fetch(`${node.url}/api/machines/conversation`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { id: string }).id).toBe('conversation');
    const svg = await fetch(`${node.url}/api/machines/keypool?format=svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toContain('state&#45;key.halfOpen');
    const mermaid = await fetch(`${node.url}/api/machines/conversation?format=mermaid`);
    expect(await mermaid.text()).toMatch(/^stateDiagram-v2/);
    expect((await fetch(`${node.url}/api/machines/conversation?format=png`)).status).toBe(400);
    const unknown = await fetch(`${node.url}/api/machines/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
  }, 30_000);
});
