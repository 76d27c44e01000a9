import WebSocket from 'ws';

export interface ServerFrame {
  type: string;
  text?: string;
  state?: string;
  conversationId?: string;
  code?: string;
  message?: string;
}

/** A test client for `/ws` that queues frames so a test can await them in order. */
export class WsClient {
  readonly frames: ServerFrame[] = [];
  private waiters: (() => void)[] = [];
  private seq = 0;
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async connect(
    baseUrl: string,
    query: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<WsClient> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const socket = new WebSocket(url, { headers });
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for the next frame of `type` (skipping others) and removes it from the queue. */
  async next(type: string, timeoutMs = 10_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => f.type === type);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.closeCode !== undefined)
        throw new Error(`socket closed (${this.closeCode}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a user message without waiting for anything. */
  send(text: string): void {
    this.socket.send(JSON.stringify({ type: 'user.message', id: `m${++this.seq}-${Date.now()}`, text }));
  }

  /** Frames of `type` received and not yet taken with `next`. */
  pending(type: string): number {
    return this.frames.filter((f) => f.type === type).length;
  }

  /** Sends a user message and resolves with the bot's reply. */
  async say(text: string): Promise<ServerFrame> {
    this.socket.send(JSON.stringify({ type: 'user.message', id: `m${++this.seq}-${Date.now()}`, text }));
    return this.next('bot.message');
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
