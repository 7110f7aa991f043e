/**
 * US dollars as every surface shows them: cents for amounts from a cent up, four decimals below
 * that, and the digits that matter below a hundredth of a cent ($0.0000018), so a real spend never
 * reads as $0.0000; "<$0.00000001" below what eight decimals can show.
 */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value < 0) return `-${formatUsd(-value)}`;
  if (value === 0) return '$0';
  if (value < 0.000000005) return '<$0.00000001';
  if (value < 0.0001) return `$${value.toFixed(8).replace(/\.?0+$/, '')}`;
  return `$${value.toFixed(value < 0.01 ? 4 : 2)}`;
}

/** A price per million tokens: always cents ("$0.60" beside "$10.00"), a third decimal only where it says something ("$0.075"). */
export function formatPerMillion(value: number): string {
  return value === 0 ? '$0' : `$${value.toFixed(value < 1 ? 3 : 2).replace(/(\.\d\d)0$/, '$1')}`;
}
