/**
 * lmdb-js rejects every write of a failed commit with "Commit failed (see commitError for
 * details)" and puts the real error (ENOSPC, MDB_MAP_FULL…) in a promise on `commitError`, which
 * nobody else awaits: left alone it is an unhandled rejection that stops the process. This reads
 * the real error (marking that promise handled) or returns `error` as it is.
 */
export async function commitCause(error: unknown): Promise<unknown> {
  const pending = (error as { commitError?: unknown } | null)?.commitError;
  if (!pending || typeof (pending as Promise<unknown>).then !== 'function') return error;
  try {
    await (pending as Promise<unknown>);
    return error;
  } catch (cause) {
    return cause;
  }
}

/** A rejection lmdb-js raised for a failed commit (its own, or the one behind `commitError`). */
export function isCommitFailure(reason: unknown): boolean {
  return reason instanceof Error && reason.message.startsWith('Commit failed (see commitError');
}

/**
 * A write whose outcome the caller does not wait for (an index entry inside a transaction, a
 * best-effort cache): its failure is already reported by the awaited write of the same commit, so
 * it is only kept from becoming an unhandled rejection.
 */
export function quiet(write: Promise<unknown>): void {
  write.then(undefined, (error: unknown) => void commitCause(error));
}
