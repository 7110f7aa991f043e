// Handing a full price data set to the calculator, as a daily download does (the download itself
// excluded): how long is the extension host held at a time? Target: no block over 20 ms.
import { updatePrices, waitForUpdate } from '@pydantic/genai-prices';
import { checkPriceData } from '../src/core/cost/priceCatalog';

const REPEATS = 7;

export async function benchPrices(write: (line: string) => void): Promise<void> {
  const inUse = structuredClone((await waitForUpdate())!);
  const text = JSON.stringify(inUse);
  const models = inUse.reduce((count, provider) => count + provider.models.length, 0);
  const runs: Array<{ longest: number; total: number }> = [];
  for (let run = 0; run < REPEATS; run++) {
    const started = performance.now();
    let since = started;
    let longest = 0;
    // The parse of the downloaded text is one block; so is each provider's check, and the hand-over.
    const data: unknown = JSON.parse(text);
    const reason = await checkPriceData(data, inUse, async () => {
      longest = Math.max(longest, performance.now() - since);
      await new Promise((resolve) => setTimeout(resolve, 0));
      since = performance.now();
    });
    if (reason) throw new Error(`the bundled data did not pass its own check: ${reason}`);
    updatePrices(({ setProviderData }) => setProviderData(data as Parameters<typeof setProviderData>[0]));
    longest = Math.max(longest, performance.now() - since);
    runs.push({ longest, total: performance.now() - started });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  write(
    `\n## Price data hand-over\n` +
      `${(text.length / 1024).toFixed(0)} KB, ${inUse.length} providers, ${models.toLocaleString('en-US')} models; ` +
      `longest block ${Math.max(...runs.map((run) => run.longest)).toFixed(1)} ms at worst (the first, cold run is the ` +
      `daily case), median ${median(runs.map((run) => run.longest)).toFixed(1)} ms; target at most 20 ms. ` +
      `Whole hand-over ${median(runs.map((run) => run.total)).toFixed(1)} ms including the pauses\n`,
  );
}
