// Build dist/: the bundled script and style sheet under content-hashed names
// in dist/assets/, and index.html pointing at them. The hashed files can be
// cached for a year; index.html is the only file that must always be fetched
// fresh.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const outdir = 'dist';

// What index.html names in src/ (an absolute path) and the file it is built from.
const ASSETS = {
  '/app.js': 'src/app.js',
  '/styles.css': 'src/styles.css',
};

// Browsers with ES modules, optional chaining, :focus-visible and replaceChildren().
const TARGET = ['chrome109', 'edge109', 'firefox115', 'safari15.6'];

await rm(path.join(root, outdir), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: Object.values(ASSETS),
  entryNames: 'assets/[name]-[hash]',
  outdir,
  bundle: true,
  format: 'esm',
  minify: true,
  target: TARGET,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
});

// Map each entry point to the hashed file esbuild wrote for it.
const built = new Map();
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) {
    built.set(meta.entryPoint, `/${path.relative(outdir, output).split(path.sep).join('/')}`);
  }
}

let html = await readFile(path.join(root, 'src/index.html'), 'utf8');
for (const [source, entryPoint] of Object.entries(ASSETS)) {
  const hashed = built.get(entryPoint);
  const reference = `"${source}"`;
  const count = html.split(reference).length - 1;
  if (!hashed || count !== 1) {
    throw new Error(`src/index.html must name ${reference} exactly once (found ${count})`);
  }
  html = html.replace(reference, `"${hashed}"`);
}
await writeFile(path.join(root, outdir, 'index.html'), html);

for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  console.log(`${output}  ${meta.bytes} bytes`);
}
console.log(`${outdir}/index.html`);
