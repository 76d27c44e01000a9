/**
 * leadbot's errors. One base class with a literal `code`; subclasses say who is at fault:
 * the client (bad input), the operator (bad config) or leadbot/its dependencies (internal).
 * Messages say what to do. Every code is documented in docs/api.md ("Error codes"); a test keeps
 * them in sync.
 */

/** Every code leadbot can return to a client or print at start-up. */
export const ERROR_CODES = {
  bad_json: 'The frame or body is not valid JSON.',
  invalid_message: 'The message does not have the documented shape.',
  unsupported_frame: 'Binary WebSocket frames are not supported; send JSON text frames.',
  empty_message: 'The message text is empty.',
  message_too_long: 'The message text is longer than the configured maximum.',
  unknown_tenant: 'No tenant with that id is configured.',
  unauthorized: 'A valid admin bearer token is required.',
  bad_signature: 'A webhook signature or secret token is missing or wrong; nothing was processed.',
  not_found: 'No such route.',
  busy: 'The conversation is busy; the message could not be queued.',
  rate_limited:
    'Too many requests from this source (address) this minute (`server.sourceLimits`); nothing was processed, retry after `Retry-After` seconds.',
  shutting_down: 'leadbot is shutting down; retry shortly.',
  overloaded:
    'This node is saturated (event loop or memory, or this tenant is over its fair share); nothing was accepted, retry after `Retry-After` seconds.',
  unavailable:
    'leadbot cannot reach its message queue (cluster mode); nothing was accepted, retry in a few seconds.',
  internal_error: 'Something failed inside leadbot; the message was not lost, retry it.',
  config_invalid: 'A configuration file or environment variable is invalid.',
  storage_error: 'The data store could not be opened or written.',
  forbidden:
    'The token is valid but may not do this (another tenant, another operator, a missing CSRF header).',
  conflict:
    'Another operator is handling this conversation (the response names them); an admin may reassign it.',
  not_owner: 'Only the operator who took the conversation over may write, give it back or close it.',
  not_taken_over: 'Nobody has taken this conversation over; take it over first.',
  invalid_fields: 'The lead fields are not valid (see the message for which one).',
  name_required: 'Logging into the console with the admin token needs an operator name.',
  not_dead: 'Only a dead letter can be re-driven; this outbox entry is pending or already delivered.',
  timeout: 'The conversation did not answer the command in time; it may still apply, check and retry.',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export abstract class LeadbotError extends Error {
  abstract readonly code: ErrorCode;
  /** HTTP status that fits when this error reaches an HTTP client. */
  abstract readonly status: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The shape sent to clients: never a stack trace. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The client sent something we cannot accept. */
export class ClientError extends LeadbotError {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status ?? 400;
  }
}

/** The operator's configuration is wrong: refuse to start with this message. */
export class ConfigError extends LeadbotError {
  readonly code = 'config_invalid' as const;
  readonly status = 500;
}

/** The store failed; nothing was acknowledged to the person. */
export class StorageError extends LeadbotError {
  readonly code = 'storage_error' as const;
  readonly status = 503;
}

/** leadbot is stopping and takes no new work. */
export class ShuttingDownError extends LeadbotError {
  readonly code = 'shutting_down' as const;
  readonly status = 503;
  constructor(options?: { cause?: unknown }) {
    super('leadbot is shutting down; retry in a few seconds.', options);
  }
}

/** The node is out of CPU or memory right now: nothing was accepted; retry after `retryAfterS`. */
export class OverloadedError extends LeadbotError {
  readonly code = 'overloaded' as const;
  readonly status = 503;
  constructor(
    readonly retryAfterS: number,
    message = `leadbot is saturated right now; nothing was accepted. Retry in ${retryAfterS} s.`,
  ) {
    super(message);
  }
}

/** Something failed inside leadbot. */
export class InternalError extends LeadbotError {
  readonly code = 'internal_error' as const;
  readonly status = 500;
}

/** Message of any thrown value, for logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
