/** Markdown tables padded to line up, so the same text reads well in a terminal and on GitHub. */
export type Align = 'left' | 'right';

export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((header, col) =>
    Math.max(header.length, ...rows.map((row) => (row[col] ?? '').length)),
  );
  const cell = (text: string, col: number) =>
    align[col] === 'right' ? text.padStart(widths[col]!) : text.padEnd(widths[col]!);
  const line = (cells: readonly string[]) =>
    `| ${headers.map((_, col) => cell(cells[col] ?? '', col)).join(' | ')} |`;
  const rule = `| ${widths.map((width, col) => (align[col] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** A number with fixed decimals, or an em dash when there is none. */
export function num(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function signed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}
