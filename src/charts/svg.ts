/**
 * SVG from DOT with `@viz-js/viz`: Graphviz compiled to WebAssembly, installed from npm with no
 * native build and no browser download (Mermaid's own renderer needs a DOM, i.e. a headless browser).
 */
import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/** Renders DOT to an SVG document. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= instance();
  return (await viz).renderString(dot, { format: 'svg' });
}
