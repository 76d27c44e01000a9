import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { machineChart } from '../charts/machines.ts';
import { CHART_FORMATS, renderChart, type ChartFormat } from '../charts/render.ts';
import { ClientError } from '../errors.ts';
import { valueString } from '../runtime/supervisor/transitions.ts';
import { loadConversation, type OperatorApiDeps } from './operator-api.ts';

const Params = z.object({ id: z.string().min(1).max(300) });

/**
 * The state-chart API: `GET /api/machines/:name` (a machine's definition) and
 * `GET /api/conversations/:id/state` (where one conversation is on it and how it got there).
 */
export function registerStateApi(app: FastifyInstance, deps: OperatorApiDeps): void {
  const read = (request: FastifyRequest) => deps.auth.authenticate(request, { mutating: false });
  app.get('/api/conversations/:id/state', async (request) => {
    const operator = read(request);
    const { id } = parseId(request.params);
    return stateView(await loadConversation(deps, operator, id));
  });
  app.get('/api/machines/:name', (request, reply) => machineRoute(request, reply));
}

function parseId(params: unknown): { id: string } {
  const parsed = Params.safeParse(params);
  if (!parsed.success) throw new ClientError('invalid_message', 'The conversation id is 1-300 characters.');
  return parsed.data;
}

const CHART_TYPES: Record<ChartFormat, string> = {
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml; charset=utf-8',
  mermaid: 'text/plain; charset=utf-8',
  dot: 'text/vnd.graphviz; charset=utf-8',
};
const rendered = new Map<string, Promise<string>>();

/** `GET /api/machines/:name[?format=json|svg|mermaid|dot]`: the machine's definition (public: it is the code). */
async function machineRoute(request: FastifyRequest, reply: FastifyReply) {
  const { name } = request.params as { name: string };
  const format = ((request.query as { format?: string }).format ?? 'json') as ChartFormat;
  const chart = machineChart(name);
  if (!chart)
    throw new ClientError(
      'not_found',
      `No machine ${JSON.stringify(name.slice(0, 40))}: conversation or keypool.`,
      {
        status: 404,
      },
    );
  if (!CHART_FORMATS.includes(format))
    throw new ClientError('invalid_message', `Unknown format: one of ${CHART_FORMATS.join(', ')}.`);
  if (format === 'json') return chart;
  const key = `${name}.${format}`;
  if (!rendered.has(key)) rendered.set(key, renderChart(chart, format));
  return reply.type(CHART_TYPES[format]).send(await rendered.get(key));
}

/** Where the conversation is on its chart and how it got there (no message text). */
function stateView({ record }: Awaited<ReturnType<typeof loadConversation>>) {
  const value = (record.snapshot as { value?: unknown } | undefined)?.value;
  return {
    conversationId: record.conversationId,
    value: valueString(value),
    xstateValue: value ?? null,
    machineVersion: record.machineVersion,
    updatedAt: new Date(record.updatedAt).toISOString(),
    transitions: (record.transitions ?? []).map((t) => ({ ...t, at: new Date(t.at).toISOString() })),
  };
}
