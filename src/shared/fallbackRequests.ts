import * as z from '../core/zod';
import { done, newModelId, providerId } from './protocolFields';

/** The fallback section: the models to try after the default, and the settings beside the chain. */
export const fallbackRequests = {
  /** The models to try after the default, in order (saved to switchboard.fallback.chain). */
  saveFallback: {
    params: z.strictObject({
      steps: z.array(z.strictObject({ provider: providerId, model: newModelId })).check(z.maxLength(20)),
    }),
    result: done,
  },
  /** The fallback settings beside the chain (switchboard.fallback.*): each one given is saved. */
  saveFallbackOptions: {
    params: z.strictObject({
      automatic: z.optional(z.boolean()),
      askBeforeSwitchingProviders: z.optional(z.boolean()),
      maxCostRatio: z.optional(z.number().check(z.gte(1), z.lte(1000))),
    }),
    result: done,
  },
} as const;
