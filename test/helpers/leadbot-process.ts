import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LeadbotProcess {
  url: string;
  dataDir: string;
  adminToken: string;
  child: ChildProcess;
  /** Everything the process printed (JSON log lines). */
  output: () => string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `src/main.ts` as a real child process on a free port with its own data dir (unless given),
 * and resolves once it logged "leadbot listening".
 */
export async function startLeadbotProcess(
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<LeadbotProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'leadbot-'));
  const adminToken = options.env?.LEADBOT_ADMIN_TOKEN ?? randomBytes(12).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LEADBOT_DATA_DIR: dataDir,
      LEADBOT_ADMIN_TOKEN: adminToken,
      LEADBOT_LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leadbot did not start in 30 s:\n${out}`)), 30_000);
    const onData = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('leadbot listening')) continue;
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve(parsed.url);
            return;
          }
        } catch {
          // not a complete JSON line yet
          continue;
        }
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`leadbot exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    adminToken,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
