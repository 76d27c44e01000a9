import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/adapters/lmdb-store.ts';
import { runCli } from '../helpers/run-cli.ts';

describe('leadbot CLI', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await runCli(['--help'], '');
    expect(code).toBe(0);
    expect(stdout).toMatch(/chat\s+Talk to the bot/);
  });

  it('an unknown command exits 2 with a hint', async () => {
    const { code, stderr } = await runCli(['frobnicate'], '');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command 'frobnicate'.*--help/);
  });

  it('chat holds a conversation from stdin until the lead is stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadbot-cli-'));
    const input = [
      'Hola, quiero cotizar el plan Crecimiento para 15 camiones',
      'Me llamo Rosa Díaz',
      'rosa@diaz-fletes.com',
      '',
    ].join('\n');
    const { code, stdout, stderr } = await runCli(['chat', '--session', 'cli-test'], input, {
      LEADBOT_DATA_DIR: dataDir,
    });
    expect(code).toBe(0);
    // Piped stdin: the banner goes to stderr, so stdout holds only the replies.
    expect(stderr).toContain('Chatting with RutaViva (session cli-test). Ctrl-D to quit.');
    const replies = stdout.split('bot> ').slice(1);
    expect(replies).toHaveLength(3);
    expect(replies[2]).toMatch(/¡Perfecto, Rosa!/);
    const store = LmdbStore.open(dataDir);
    const leads = await store.listLeads();
    await store.close();
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      channel: 'cli',
      contact_info: { name: 'Rosa Díaz', email: 'rosa@diaz-fletes.com' },
    });
  }, 30_000);
});
