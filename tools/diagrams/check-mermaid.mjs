// Parses every ```mermaid block of the given Markdown files with Mermaid itself (what GitHub
// renders them with); exits 1 when any block does not parse.
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const block of blocks) {
    checked++;
    try {
      await mermaid.parse(block);
    } catch (e) {
      failed++;
      console.log(`FAILED  ${file}: ${e.message.split('\n').slice(0, 4).join(' | ')}`);
    }
  }
}
console.log(`mermaid: ${checked - failed} of ${checked} diagrams parse`);
process.exit(failed || checked === 0 ? 1 : 0);
