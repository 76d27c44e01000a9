import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeDiff } from '../../src/cli/replay.ts';
import { fromJson, loadRecorded, replayConversation } from '../../src/cli/replay-run.ts';
import { ROOT } from '../helpers/leadbot-process.ts';
import { startTestLeadbot } from '../helpers/in-process.ts';

const run = promisify(execFile);
const MESSAGES = [
  'Hola, necesitamos cotizar rutas para 30 camiones este mes',
  'Soy Ana Pérez, ana.perez@transportesandinos.com',
  'Transportes Andinos',
];

describe('leadbot replay', () => {
  it('a stored conversation replayed on the same machine changes nothing; a changed outcome is shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-replay-src-'));
    const node = await startTestLeadbot({}, dir);
    for (const message of MESSAGES)
      await fetch(`${node.url}/webhooks/rest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'rp-1', message }),
      });
    await node.close();

    const recorded = await loadRecorded('demo:rest:rp-1', dir);
    expect(recorded.turns.map((t) => t.said)).toEqual(MESSAGES);
    expect(recorded.lead?.business_context.company_name).toBe('Transportes Andinos');
    const replayed = await replayConversation(recorded);
    const same = describeDiff(recorded, replayed);
    expect(same).toContain('states visited: same');
    expect(same).toContain('final state: handoff.waiting → handoff.waiting (same)');
    expect(same).toContain('lead: same');
    expect(same).toContain('replies: 0 of 3 turns changed');

    // The lead as it was stored back then said Soporte / support: the replay shows the change.
    const old = structuredClone(recorded);
    old.lead!.business_context.interest_area = 'Soporte';
    old.lead!.qualification = 'support';
    old.turns[0]!.replies = ['Una respuesta de antes'];
    const changed = describeDiff(old, replayed);
    expect(changed).toContain('lead interest_area: "Soporte" → "Ventas"');
    expect(changed).toContain('lead qualification: "support" → "hot_lead"');
    expect(changed).toContain('replies: 1 of 3 turns changed');
    expect(changed).toContain('    - Una respuesta de antes');
  }, 90_000);

  it('from the command line: a replay file, --json, --fixture; a missing source is a clear exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadbot-replay-cli-'));
    const file = join(dir, 'conversation.json');
    writeFileSync(file, JSON.stringify({ tenant: 'demo', messages: MESSAGES }));
    const fixture = join(dir, 'kept.test.ts');
    const bin = join(ROOT, 'bin', 'leadbot.js');
    const env = { ...process.env, LEADBOT_LOG_LEVEL: 'silent', LEADBOT_DATA_DIR: join(dir, 'data') };
    const { stdout } = await run(process.execPath, [bin, 'replay', file, '--fixture', fixture], { env });
    expect(stdout).toMatch(/final state: — → handoff\.waiting/);
    expect(stdout).toContain('lead name: — → "Ana Pérez"');
    const source = readFileSync(fixture, 'utf8');
    const from = /from ['"]([^'"]+)['"]/.exec(
      source.split('\n').find((l) => l.includes('replayConversation }'))!,
    )![1]!;
    expect(existsSync(resolve(dirname(fixture), from))).toBe(true);
    expect(source).toContain("interest_area: 'Ventas'");
    expect(source).toContain(MESSAGES[1]);

    const json = await run(process.execPath, [bin, 'replay', file, '--json'], { env });
    expect((JSON.parse(json.stdout) as { replayed: { finalState: string } }).replayed.finalState).toBe(
      'handoff.waiting',
    );
    const missing = await run(process.execPath, [bin, 'replay', 'demo:web:nobody'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({ code: 2 });
    expect((missing as { stderr: string }).stderr).toMatch(/no leadbot data|no conversation/);
    expect(() => fromJson({ hello: 1 }, 'x.json')).toThrow(/not a conversation export/);
  }, 90_000);
});
