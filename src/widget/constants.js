/** Limits and timings of the web-chat widget. */

/** Longest message a visitor can type (the server refuses longer ones). */
export const MAX_INPUT = 4000;
/** Bubbles kept in the stored transcript and in the DOM. */
export const MAX_TRANSCRIPT = 100;
/** Reconnect backoff: first delay ceiling and the cap, doubled per attempt with jitter. */
export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 10000;
/** A typing indicator with no reply after this long is hidden. */
export const TYPING_TIMEOUT_MS = 20000;
