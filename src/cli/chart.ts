import { writeFileSync } from 'node:fs';
import { MACHINE_NAMES, machineChart } from '../charts/machines.ts';
import { CHART_FORMATS, renderChart, type ChartFormat } from '../charts/render.ts';
import { parseCommand, UsageError } from './args.ts';

export const CHART_HELP = `Usage: leadbot chart [--machine conversation|keypool] [--format mermaid|dot|json|svg]
                     [--out <file>]

Prints a state machine: every state (nested) with its description, every transition with its
event and the guard that decides it.

Options:
  --machine <name>   conversation (default): every conversation's actor;
                     keypool: the KeyPool actor's mailbox and a key's health
  --format <format>  mermaid (default): a Mermaid stateDiagram-v2 (GitHub renders it in Markdown);
                     dot: Graphviz DOT; json: the chart as data (= GET /api/machines/<name>);
                     svg: rendered with Graphviz (WebAssembly, no browser needed)
  --out <file>       write to a file instead of stdout
  -h, --help         show this help

Examples:
  npx leadbot chart > conversation.mmd
  npx leadbot chart --machine keypool --format svg --out keypool.svg
  npx leadbot chart --format dot | dot -Tpng > conversation.png

Exit codes: 0 printed; 2 bad usage (unknown machine or format).
`;

/** `leadbot chart`. */
export async function chartCommand(args: string[]): Promise<number> {
  const { values } = parseCommand('chart', args, {
    machine: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(CHART_HELP);
    return 0;
  }
  const name = values.machine ?? 'conversation';
  const chart = machineChart(name);
  if (!chart)
    throw new UsageError('chart', `unknown machine '${name}' (one of: ${MACHINE_NAMES.join(', ')})`);
  const format = (values.format ?? 'mermaid') as ChartFormat;
  if (!CHART_FORMATS.includes(format))
    throw new UsageError('chart', `unknown format '${format}' (one of: ${CHART_FORMATS.join(', ')})`);
  const text = await renderChart(chart, format);
  if (values.out) {
    writeFileSync(values.out, text);
    process.stderr.write(`wrote ${values.out}\n`);
  } else process.stdout.write(text);
  return 0;
}
