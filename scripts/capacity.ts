/**
 * `npm run capacity -- [options]`: the capacity load test, the same as `npx leadbot capacity`
 * (src/cli/capacity.ts; `--help` lists the options, docs/performance.md#capacity explains the figures).
 */
process.argv.splice(2, 0, 'capacity');
await import('../src/cli/index.ts');
