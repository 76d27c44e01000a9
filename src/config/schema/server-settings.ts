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
  })
  .strict()
  .prefault({})
  .describe('The HTTP and WebSocket server.');
