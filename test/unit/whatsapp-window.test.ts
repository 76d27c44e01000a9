import { beforeEach, describe, expect, it } from 'vitest';
import { WhatsAppOutbound, type WindowTemplate } from '../../src/channels/whatsapp/outbound.ts';
import type { SendResult } from '../../src/channels/whatsapp/sender.ts';
import { SERVICE_WINDOW_MS, ServiceWindow } from '../../src/channels/whatsapp/window.ts';
import { capturingLogger } from '../helpers/log-capture.ts';
import { MemoryStore } from '../../src/ports/store.ts';
import type { OutboundEvent } from '../../src/protocol/index.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const PHONE = '5215512345678';
const BSUID = 'MX.1502576394655843';
const CID = `demo:whatsapp:${BSUID}`;

class FakeClock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
}

/** Records every Graph API body; answers from a script (ok by default). */
class FakeSender {
  readonly bodies: Record<string, unknown>[] = [];
  readonly attempts: number[] = [];
  script: SendResult[] = [];
  gate: Promise<void> | undefined;
  async post(body: Record<string, unknown>, _c: unknown, _s: AbortSignal, attempts = 5): Promise<SendResult> {
    if (this.gate) await this.gate;
    this.bodies.push(body);
    this.attempts.push(attempts);
    return this.script.shift() ?? { ok: true, attempts: 1 };
  }
}

const capture = capturingLogger();
const log = capture.logger;

let clock: FakeClock;
let store: MemoryStore;
let sender: FakeSender;

beforeEach(() => {
  capture.clear();
  clock = new FakeClock();
  store = new MemoryStore();
  sender = new FakeSender();
});

function outbound(template?: WindowTemplate): WhatsAppOutbound {
  return new WhatsAppOutbound({
    sender,
    window: new ServiceWindow(store, clock),
    clock,
    log,
    ...(template ? { template } : {}),
  });
}

function reply(text: string, userId = BSUID, conversationId = CID): OutboundEvent {
  return {
    type: 'bot.message',
    id: `out_${text.length}_${clock.now()}`,
    tenantId: 'demo',
    channel: 'whatsapp',
    conversationId,
    userId,
    inReplyTo: 'wamid.IN1',
    text,
    state: 'capture',
    language: 'es',
  };
}

/** Lets queued sends run. */
async function settle(out: WhatsAppOutbound): Promise<void> {
  for (let i = 0; i < 50 && out.queued > 0; i++) await new Promise((r) => setTimeout(r, 1));
}

function textSend(body: string, to: Record<string, string> = { to: PHONE }) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...to,
    type: 'text',
    text: { body, preview_url: false },
  };
}

describe('ServiceWindow (24-hour customer-service window)', () => {
  it('is open for 24 hours after the last inbound message, by the injected clock', async () => {
    const window = new ServiceWindow(store, clock);
    expect(await window.check(CID)).toEqual({ open: false });
    window.noteInbound(CID);
    clock.t = T0 + 24 * HOUR - 1;
    expect(await window.check(CID)).toEqual({ open: true, lastInboundAt: T0 });
    clock.t = T0 + 24 * HOUR;
    expect(await window.check(CID)).toEqual({ open: false, lastInboundAt: T0 });
    window.noteInbound(CID);
    expect((await window.check(CID)).open).toBe(true);
    // An older time never moves the window back.
    window.noteInbound(CID, T0);
    expect(await window.check(CID)).toEqual({ open: true, lastInboundAt: T0 + 24 * HOUR });
  });

  it("after a restart, falls back to the history's last user line", async () => {
    await store.saveTurn({
      conversation: {
        conversationId: CID,
        tenantId: 'demo',
        channel: 'whatsapp',
        userId: BSUID,
        snapshot: {},
        machineVersion: 1,
        updatedAt: T0,
      },
      history: [
        { role: 'user', text: 'hola', at: T0, turn: 1, messageId: 'wamid.1' },
        { role: 'assistant', text: '¿Su nombre?', at: T0 + 20 * HOUR, turn: 1, messageId: 'out_1' },
      ],
    });
    clock.t = T0 + 23 * HOUR;
    expect(await new ServiceWindow(store, clock).check(CID)).toEqual({ open: true, lastInboundAt: T0 });
    clock.t = T0 + 25 * HOUR;
    // The assistant line does not count as the person writing.
    expect(await new ServiceWindow(store, clock).check(CID)).toEqual({ open: false, lastInboundAt: T0 });
    expect(SERVICE_WINDOW_MS).toBe(24 * HOUR);
  });
});

describe('WhatsAppOutbound', () => {
  it('sends a reply inside the window as text to the phone number, formatted', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, bsuid: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    clock.t = T0 + 23 * HOUR;
    out.handle(reply('Gracias, **Ana**. ¿Me deja su correo?'));
    await settle(out);
    expect(sender.bodies).toEqual([textSend('Gracias, *Ana*. ¿Me deja su correo?')]);
    expect(out.counts).toMatchObject({ sent: 1, failed: 0, withheld: 0 });
  });

  it('ignores other channels', async () => {
    const out = outbound();
    out.handle({ ...reply('hola'), channel: 'telegram' });
    await settle(out);
    expect(sender.bodies).toEqual([]);
  });

  it('outside the window without a template: sends nothing and says why in a warn line (conversation id, no phone)', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, bsuid: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    clock.t = T0 + 25 * HOUR;
    out.handle(reply('¿Sigue interesada en el plan Pro?'));
    await settle(out);
    expect(sender.bodies).toEqual([]);
    expect(out.counts).toMatchObject({ sent: 0, withheld: 1 });
    const line = capture
      .text()
      .split('\n')
      .find((l) => l.includes('window is closed'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { conversationId: string };
    expect(entry).toMatchObject({ level: 40, outboundId: expect.any(String), hoursSinceLastMessage: 25 });
    // The conversation is named (as the logger writes conversation ids), never the phone.
    expect(entry.conversationId).toMatch(/^demo:whatsapp:/);
    expect(line).toContain('channels.whatsapp.windowTemplate');
    expect(capture.text()).not.toContain(PHONE);
    expect(capture.text()).not.toContain('plan Pro');
  });

  it('outside the window with a template: sends the template once per silence', async () => {
    const window = new ServiceWindow(store, clock);
    const template = { name: 'seguimiento_lead', language: 'es_MX' };
    const out = new WhatsAppOutbound({ sender, window, clock, log, template });
    out.remember(CID, { userId: BSUID, bsuid: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    clock.t = T0 + 30 * HOUR;
    out.handle(reply('primer seguimiento'));
    out.handle(reply('segundo seguimiento'));
    await settle(out);
    const templateSend = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'template',
      template: { name: 'seguimiento_lead', language: { code: 'es_MX' } },
    };
    expect(sender.bodies).toEqual([templateSend]);
    expect(out.counts).toMatchObject({ templates: 1, withheld: 1 });
    // They answered, went quiet again for more than 24 h: one more template.
    window.noteInbound(CID);
    out.handle(reply('dentro de la ventana'));
    await settle(out);
    clock.t += 26 * HOUR;
    out.handle(reply('tercer seguimiento'));
    await settle(out);
    expect(sender.bodies).toEqual([templateSend, textSend('dentro de la ventana'), templateSend]);
  });

  it('a 131047 from WhatsApp (window closed by its clock) falls back to the template', async () => {
    const window = new ServiceWindow(store, clock);
    const template = { name: 'retomar', language: 'en' };
    const out = new WhatsAppOutbound({ sender, window, clock, log, template });
    out.remember(CID, { userId: BSUID, bsuid: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    sender.script = [{ ok: false, reason: 'rejected', status: 400, code: 131047, attempts: 1 }];
    out.handle(reply('hola'));
    await settle(out);
    expect(sender.bodies.map((b) => b.type)).toEqual(['text', 'template']);
    expect(out.counts).toMatchObject({ templates: 1, sent: 0 });
  });

  it('a person known only by BSUID is sent to with the recipient field', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, bsuid: BSUID, username: 'ana.mx' }, 'wamid.IN1');
    window.noteInbound(CID);
    out.handle(reply('hola'));
    await settle(out);
    expect(sender.bodies).toEqual([textSend('hola', { recipient: BSUID })]);
    // After a restart (nothing in memory) the conversation key is the BSUID itself.
    expect(outbound().recipientFor(CID, BSUID)).toEqual({ recipient: BSUID });
    expect(outbound().recipientFor(`demo:whatsapp:${PHONE}`, PHONE)).toEqual({ to: PHONE });
  });

  it('a person known only by username cannot be answered: an error line, nothing sent', async () => {
    const cid = 'demo:whatsapp:@ana.mx';
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(cid, { userId: '@ana.mx', username: 'ana.mx' }, 'wamid.IN1');
    window.noteInbound(cid);
    out.handle(reply('hola', '@ana.mx', cid));
    await settle(out);
    expect(sender.bodies).toEqual([]);
    expect(out.counts.failed).toBe(1);
    expect(capture.text()).toContain('known only by username');
  });

  it('splits a long reply and keeps replies of one conversation in order', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    let open!: () => void;
    sender.gate = new Promise<void>((resolve) => (open = resolve));
    const long = `${'a'.repeat(3000)}\n\n${'b'.repeat(3000)}`;
    out.handle(reply(long));
    out.handle(reply('después'));
    expect(out.queued).toBe(2);
    open();
    await settle(out);
    expect(sender.bodies.map((b) => (b.text as { body: string }).body)).toEqual([
      'a'.repeat(3000),
      'b'.repeat(3000),
      'después',
    ]);
  });

  it('close() waits for queued sends', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    window.noteInbound(CID);
    let open!: () => void;
    sender.gate = new Promise<void>((resolve) => (open = resolve));
    out.handle(reply('última respuesta'));
    setTimeout(open, 20);
    await out.close(5000);
    expect(sender.bodies).toEqual([textSend('última respuesta')]);
    expect(out.queued).toBe(0);
  });

  it('a typing event for the last inbound wamid marks it read with a typing indicator (one attempt)', async () => {
    const window = new ServiceWindow(store, clock);
    const out = new WhatsAppOutbound({ sender, window, clock, log });
    out.remember(CID, { userId: BSUID, phone: `+${PHONE}` }, 'wamid.IN1');
    const typing = (inReplyTo: string): OutboundEvent => ({
      type: 'bot.typing',
      tenantId: 'demo',
      channel: 'whatsapp',
      conversationId: CID,
      userId: BSUID,
      inReplyTo,
    });
    out.handle(typing('timer:session.expired:1'));
    out.handle(typing('wamid.IN1'));
    await settle(out);
    expect(sender.bodies).toEqual([
      {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: 'wamid.IN1',
        typing_indicator: { type: 'text' },
      },
    ]);
    expect(sender.attempts).toEqual([1]);
  });
});
