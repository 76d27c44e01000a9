import { z } from 'zod';

export const serverSettings = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on.'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(3000)
      .describe('TCP port (`0` picks a free one).'),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024)
      .describe('Largest HTTP body accepted, in bytes (`message_too_long` beyond).'),
    wsMaxPayloadBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024)
      .describe('Largest WebSocket frame accepted, in bytes; a larger frame closes the socket (1009).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(15_000)
      .describe(
        'How long a client may take to send a whole request (headers and body); slower connections are closed (408), so slow-body clients cannot hold sockets open. Waiting for the reply does not count.',
      ),
    headersTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(10_000)
      .describe('How long a client may take to send the request headers.'),
    restReplyTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe("How long `POST /webhooks/rest` waits for the bot's replies before answering 504."),
    trustProxy: z
      .union([z.boolean(), z.array(z.string().min(1)).max(50)])
      .default(false)
      .describe(
        'Reverse proxies whose `X-Forwarded-For` names the client: `true` (any), or their addresses / CIDRs (`["10.0.0.0/8"]`). Per-source limits and logs then see the real client, not the proxy.',
      ),
    sourceLimits: z
      .object({
        restMessagesPerMinute: z
          .number()
          .int()
          .min(0)
          .default(600)
          .describe(
            '`POST /webhooks/rest` calls one source may make a minute (429 with `Retry-After` beyond); `0`: unlimited. Raise it for a backend that relays many users from one address.',
          ),
        webSessionsPerMinute: z
          .number()
          .int()
          .min(0)
          .default(120)
          .describe(
            'Web chat sockets one source may open a minute (the widget is told to try again shortly beyond); `0`: unlimited.',
          ),
        exemptLoopback: z
          .boolean()
          .default(true)
          .describe(
            'Loopback clients (a load test or tool on the host) are not limited. Behind a reverse proxy on the same host, set `server.trustProxy` so clients are told apart.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Per-source limits at the edge, before a conversation exists (docs/security.md).'),
  })
  .strict()
  .prefault({})
  .describe('The HTTP and WebSocket server.');
