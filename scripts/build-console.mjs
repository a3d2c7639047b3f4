// Bundles the web console (console/) with esbuild into a folder served by
// src/adapters/http/console/: hashed asset names (cached for good), index.html naming them, and a
// manifest of the files the server may serve. Also the MCP Apps run view, the console's run page
// as one HTML file for mcp/run-view-app.ts. Called by scripts/build.mjs and by the console tests.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the console and the run view are bundled as: minified ES2022 modules with Preact's JSX. */
const BROWSER_BUNDLE = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  logLevel: 'warning',
};

/**
 * Builds the console into `outdir` (emptied first).
 * @param {string} outdir
 * @returns {Promise<{ files: string[], bytes: number }>}
 */
export async function buildConsole(outdir) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(join(outdir, 'assets'), { recursive: true });
  const result = await build({
    ...BROWSER_BUNDLE,
    entryPoints: [join(root, 'console', 'src', 'main.tsx')],
    outdir: join(outdir, 'assets'),
    entryNames: 'console-[hash]',
    metafile: true,
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => `assets/${basename(path)}`);
  const script = outputs.find((name) => name.endsWith('.js'));
  const style = outputs.find((name) => name.endsWith('.css'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Weft console</title>
${style ? `<link rel="stylesheet" href="/${style}">\n` : ''}<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<script type="module" src="/${script}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
  await writeFile(join(outdir, 'index.html'), html);
  await writeFile(
    join(outdir, 'assets', 'favicon.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3b6ea8"/><path d="M3 4l2.5 8L8 6l2.5 6L13 4" stroke="#fff" fill="none" stroke-width="1.5"/></svg>\n',
  );
  const files = [...outputs, 'assets/favicon.svg'];
  await writeFile(join(outdir, 'manifest.json'), `${JSON.stringify({ files }, null, 2)}\n`);
  return { files, bytes };
}

/**
 * The MCP Apps helpers validate messages with zod, whose namespace object (`z`) holds every
 * locale's error messages, so tree shaking keeps them all: about 300 KB of the view. The view
 * never changes zod's locale, and zod sets English itself, so only English is bundled.
 * @type {import('esbuild').Plugin}
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(context) {
    context.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Builds the MCP Apps run view (console/src/run-app.tsx) into `outfile`: one HTML document with
 * its script and style inline, since a host shows it in a sandboxed frame that may fetch nothing.
 * @param {string} outfile
 * @returns {Promise<{ bytes: number }>}
 */
export async function buildRunView(outfile) {
  const result = await build({
    ...BROWSER_BUNDLE,
    entryPoints: [join(root, 'console', 'src', 'run-app.tsx')],
    write: false,
    outdir: join(dirname(outfile), 'run-view'),
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [englishOnlyZod],
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text ?? '';
  const style = result.outputFiles.find((file) => file.path.endsWith('.css'))?.text ?? '';
  // esbuild escapes these inside strings; anywhere else they would end the inline element early.
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error('the run view bundle contains a closing </script> or </style>');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Weft run</title>
<style>${style}</style>
</head>
<body><div id="app"></div>
<script type="module">${script}</script>
</body>
</html>
`;
  await mkdir(dirname(outfile), { recursive: true });
  await writeFile(outfile, html);
  return { bytes: Buffer.byteLength(html) };
}
