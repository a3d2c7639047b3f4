// Types of scripts/build-console.mjs for the TypeScript that calls it (the console tests).

/** Builds the web console into `outdir` (emptied first): the asset names and their total size in bytes. */
export function buildConsole(outdir: string): Promise<{ files: string[]; bytes: number }>;
