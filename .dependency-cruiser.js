// @ts-check
// Layer rules of leadbot, checked by `npm run lint` (dependency-cruiser). See docs/architecture.md,
// "Layer rules". Layers, innermost first: src/protocol → src/ports → machines/, skills/, src/nlu →
// src/runtime → src/channels → src/adapters → src/composition/, src/main.ts (the composition root).
// There is no baseline of known violations: the tree breaks no rule, and any new violation fails lint.

/** SDKs and infrastructure packages: resolved (with their `@types/…`) or, should one not resolve, by name. */
const SDK_NAMES =
  '(lmdb|ws|pino|pino-pretty|fastify|@fastify/[^/]+|@nats-io/[^/]+|openai|grammy|prom-client)';
const SDK = [`^node_modules/${SDK_NAMES}/`, `^node_modules/@types/${SDK_NAMES}/`, `^${SDK_NAMES}(/|$)`];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'core-no-infrastructure',
      severity: 'error',
      comment:
        'machines/ and skills/ are pure: they receive their dependencies through ports and never import ' +
        'an adapter, a channel, the runtime or the composition root.',
      from: { path: '^(machines|skills)/' },
      to: { path: '^src/(adapters|channels|runtime|composition|http|cli)/|^src/main\\.ts$' },
    },
    {
      name: 'core-no-sdk',
      severity: 'error',
      comment:
        'machines/ and skills/ import no SDK (lmdb, ws, pino, fastify, @nats-io/*, openai, grammy, ' +
        'prom-client): what they need from the outside world comes in through a port.',
      from: { path: '^(machines|skills)/' },
      to: { path: SDK },
    },
    {
      name: 'main-only-from-cli',
      severity: 'error',
      comment:
        'src/main.ts is the composition root: only the CLI (src/cli/**, a client of it) imports it. ' +
        'Move what another module needs out of main.ts (into a port, src/composition/ or a helper).',
      from: { path: '^(src|machines|skills)/', pathNot: '^src/(cli/|main\\.ts$)' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'adapters-no-runtime',
      severity: 'error',
      comment:
        'Adapters implement ports: they import the interface from src/ports/, never from src/runtime/, ' +
        'src/memory/ or src/audit/ (move the type into a port and re-export it from where it was).',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(runtime|memory|audit)/' },
    },
    {
      name: 'runtime-channels-no-adapters',
      severity: 'error',
      comment:
        'src/runtime/ and src/channels/ depend on ports, never on a concrete adapter: only src/main.ts ' +
        'and src/composition/ choose and build adapters.',
      from: { path: '^src/(runtime|channels)/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'ports-only-protocol',
      severity: 'error',
      comment:
        'Ports are the innermost interfaces: a file in src/ports/ imports only src/protocol/, other ports ' +
        'and (type-only) zod.',
      from: { path: '^src/ports/' },
      to: { pathNot: '^(src/(ports|protocol)/|node_modules/zod/)' },
    },
    {
      name: 'ports-zod-type-only',
      severity: 'error',
      comment: 'Ports may use zod for types only (`import type … from "zod"`), never at run time.',
      from: { path: '^src/ports/' },
      to: { path: '^node_modules/zod/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles in src/, machines/ or skills/: a cycle makes load order fragile and the layers ' +
        'meaningless. Break it by moving the shared type into a port or protocol/.',
      from: { path: '^(src|machines|skills)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import must resolve (else the rules above cannot see where it goes): fix the path or ' +
        'install the package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // `import type` counts: a type-only import still couples the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      // Packages that declare only `exports` (@nats-io/*, eld) resolve like Node and tsc resolve them.
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
