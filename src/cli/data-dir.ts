import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';

/**
 * The data folder a command works on (`--data-dir`, else `LEADBOT_DATA_DIR`, else ./data), or
 * undefined after saying on stderr that it holds no leadbot data (the command then exits 2).
 */
export function existingDataDir(command: string, given: string | undefined): string | undefined {
  const dataDir = given ?? loadConfig().dataDir;
  if (existsSync(join(dataDir, 'data.mdb'))) return dataDir;
  process.stderr.write(
    `leadbot ${command}: no leadbot data in ${dataDir} (set --data-dir or LEADBOT_DATA_DIR)\n`,
  );
  return undefined;
}
