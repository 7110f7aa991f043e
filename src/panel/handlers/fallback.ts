import type { Handlers } from '../handler';

/** The fallback section: the models to try after the default, in order. */
export const fallbackHandlers: Handlers<'saveFallback' | 'saveFallbackOptions'> = {
  async saveFallback({ steps }, { registry, settings }) {
    const unknown = steps.find((step) => !registry.get(step.provider));
    if (unknown) throw new Error(`No provider "${unknown.provider}".`);
    await settings.update('fallback.chain', steps);
    await registry.noteFallbackChange(
      `chain set in the panel: ${steps.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`,
    );
    return null;
  },
  /** Automatic failover, asking before another provider, the cost ratio: saved to the user's settings. */
  async saveFallbackOptions(options, { registry, settings }) {
    const changed: string[] = [];
    if (options.automatic !== undefined) {
      await settings.update('fallback.automatic', options.automatic);
      changed.push(`automatic failover ${options.automatic ? 'on' : 'off'}`);
    }
    if (options.askBeforeSwitchingProviders !== undefined) {
      await settings.update('fallback.askBeforeSwitchingProviders', options.askBeforeSwitchingProviders);
      changed.push(`ask before switching providers ${options.askBeforeSwitchingProviders ? 'on' : 'off'}`);
    }
    if (options.maxCostRatio !== undefined) {
      await settings.update('fallback.maxCostRatio', options.maxCostRatio);
      changed.push(`cost ratio ${options.maxCostRatio}×`);
    }
    if (changed.length > 0) await registry.noteFallbackChange(`set in the panel: ${changed.join(', ')}`);
    return null;
  },
};
