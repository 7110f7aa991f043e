import type { Handlers } from '../handler';

/** The fallback section: the models to try after the default, in order. */
export const fallbackHandlers: Handlers<'saveFallback'> = {
  async saveFallback({ steps }, { registry, settings }) {
    const unknown = steps.find((step) => !registry.get(step.provider));
    if (unknown) throw new Error(`No provider "${unknown.provider}".`);
    await settings.update('fallback.chain', steps);
    await registry.noteFallbackChange(
      `chain set in the panel: ${steps.map((step) => `${step.provider}/${step.model}`).join(' → ') || 'none'}`,
    );
    return null;
  },
};
