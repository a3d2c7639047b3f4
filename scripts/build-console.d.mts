// Types of scripts/build-console.mjs for the TypeScript that calls it (the console tests).

/** Builds the web console into `outdir` (emptied first): the asset names and their total size in bytes. */
export function buildConsole(outdir: string): Promise<{ files: string[]; bytes: number }>;

/** Builds the MCP Apps run view into `outfile`: one self-contained HTML document; its size in bytes. */
export function buildRunView(outfile: string): Promise<{ bytes: number }>;
