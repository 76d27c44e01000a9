// Reads every lead of an LMDB data folder, in a process of its own: random bytes inside a page can
// make LMDB fault, and a fault here must become a clear refusal in the parent, not a silent crash
// of the server. Prints {"read": n, "counted": m}, or {"error": "..."}; exit 0 either way.
import { open } from 'lmdb';

const root = open({ path: process.argv[2], readOnly: true, noSubdir: false, compression: false });
try {
  const leads = root.openDB({ name: 'leads' });
  let read = 0;
  try {
    for (const entry of leads.getRange()) if (entry.value !== undefined) read++;
    process.stdout.write(JSON.stringify({ read, counted: leads.getCount() }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ read, error: String(error?.message ?? error) }));
  }
} finally {
  await root.close();
}
