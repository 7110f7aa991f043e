/** A count with its noun, in English: "1 request", "2 requests", "1,250 tokens". */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}
