import type { Api } from 'grammy';

/** The `AbortSignal` type grammY's Node build declares (from the `abort-controller` polyfill). */
export type GrammySignal = NonNullable<Parameters<Api['getUpdates']>[1]>;

/**
 * A standard `AbortSignal` for grammY's API calls. grammY only needs `aborted` and
 * `addEventListener` (it checks this at run time), which the standard signal has; only the
 * polyfill's declared types differ.
 */
export function grammySignal(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}
