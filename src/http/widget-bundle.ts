import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where the widget's ES modules live; `index.js` is the entry. */
const WIDGET_DIR = fileURLToPath(new URL('../widget/', import.meta.url));
/** The repository root: esbuild names each module relative to it in the bundle (`// src/widget/…`). */
const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

const BANNER = '/* leadbot web-chat widget: bundled from src/widget/ by esbuild when the server starts. */';

/**
 * Bundles the web-chat widget (src/widget/*.js) into the one classic script served at
 * `GET /widget.js`: an IIFE that defines nothing global but `window.leadbot`. Not minified, so the
 * served file stays readable in the browser's devtools.
 */
export async function buildWidgetBundle(): Promise<string> {
  const result = await build({
    entryPoints: [`${WIDGET_DIR}index.js`],
    absWorkingDir: ROOT_DIR,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    minify: false,
    sourcemap: false,
    write: false,
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no widget bundle');
  return output.text;
}

let cached: Promise<string> | undefined;

/** The widget bundle, built once per process and then kept in memory (a failed build is retried). */
export function widgetBundle(): Promise<string> {
  cached ??= buildWidgetBundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
