// The scaling curve as an SVG: ms per item against size (log scale), one panel per shape, one
// line per side. Written by hand so the bench needs no plotting package.

import type { ScalingPoint, Shape, Side } from './scaling-workload.js';

const PANEL = { width: 420, height: 300, left: 60, right: 20, top: 40, bottom: 50 } as const;
const COLOURS: Record<Side, string> = { weft: '#1f6fd1', raw: '#d9731a', rawBest: '#2a9d4b' };
const LABELS: Record<Side, string> = { weft: 'Weft', raw: 'raw (same design)', rawBest: 'raw best (local activities)' };

/** An SVG document plotting `points`; `title` goes above both panels. */
export function scalingSvg(points: readonly ScalingPoint[], title: string): string {
  const shapes: Shape[] = ['fan-out', 'chain'];
  const width = PANEL.width * shapes.length;
  const height = PANEL.height + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    // What a screen reader and an image's tooltip say of the plot.
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    ...shapes.map((shape, i) =>
      panel(
        points.filter((p) => p.shape === shape),
        shape,
        i * PANEL.width,
      ),
    ),
    legend(height - 14),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function panel(points: readonly ScalingPoint[], shape: Shape, x0: number): string {
  if (points.length === 0) return '';
  const sizes = [...new Set(points.map((p) => p.size))].sort((a, b) => a - b);
  const [minLog, maxLog] = [Math.log10(sizes[0] ?? 1), Math.log10(sizes.at(-1) ?? 10)];
  const yMax = niceCeiling(Math.max(...points.map((p) => p.msPerItem)));
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (size: number) => x0 + PANEL.left + (maxLog === minLog ? plotW / 2 : ((Math.log10(size) - minLog) / (maxLog - minLog)) * plotW);
  const y = (ms: number) => PANEL.top + 20 + plotH - (ms / yMax) * plotH;
  const out = [
    `<text x="${x0 + PANEL.width / 2}" y="${PANEL.top + 8}" text-anchor="middle">${shape === 'chain' ? 'sequential chain' : 'foreach fan-out, concurrency 50'}</text>`,
    `<line x1="${x0 + PANEL.left}" y1="${y(0)}" x2="${x0 + PANEL.left + plotW}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${x0 + PANEL.left}" y1="${y(0)}" x2="${x0 + PANEL.left}" y2="${y(yMax)}" stroke="black"/>`,
    `<text x="${x0 + 14}" y="${y(yMax / 2)}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${y(yMax / 2)})">ms per ${shape === 'chain' ? 'step' : 'item'}</text>`,
    `<text x="${x0 + PANEL.left + plotW / 2}" y="${y(0) + 34}" text-anchor="middle">${shape === 'chain' ? 'steps' : 'items'} (log scale)</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    out.push(`<text x="${x0 + PANEL.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(yMax < 4 ? 2 : 1)}</text>`);
    if (k > 0) out.push(`<line x1="${x0 + PANEL.left}" y1="${y(v)}" x2="${x0 + PANEL.left + plotW}" y2="${y(v)}" stroke="#ddd"/>`);
  }
  for (const size of sizes) out.push(`<text x="${x(size)}" y="${y(0) + 16}" text-anchor="middle">${size.toLocaleString('en')}</text>`);
  for (const side of ['weft', 'raw', 'rawBest'] as const) {
    const line = points.filter((p) => p.side === side).sort((a, b) => a.size - b.size);
    if (line.length === 0) continue;
    const path = line.map((p) => `${x(p.size).toFixed(1)},${y(p.msPerItem).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${COLOURS[side]}" stroke-width="2"/>`);
    for (const p of line) out.push(`<circle cx="${x(p.size).toFixed(1)}" cy="${y(p.msPerItem).toFixed(1)}" r="3" fill="${COLOURS[side]}"/>`);
  }
  return out.join('\n');
}

function legend(yBase: number): string {
  return (['weft', 'raw', 'rawBest'] as const)
    .map((side, i) => {
      const x = 70 + i * 220;
      return `<line x1="${x}" y1="${yBase - 4}" x2="${x + 24}" y2="${yBase - 4}" stroke="${COLOURS[side]}" stroke-width="2"/><text x="${x + 30}" y="${yBase}">${LABELS[side]}</text>`;
    })
    .join('\n');
}

/** The next of 1, 2, 5 times a power of ten at or above `value`. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
