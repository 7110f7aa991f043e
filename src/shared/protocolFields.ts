// The fields the requests of several panel sections share: one rule each, wherever it is sent.
import * as z from '../core/zod';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter, MODEL_ID_MAX } from '../core/registry/ids';

export const providerId = z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/));
// The core's rules for what enters the registry, so the panel names a bad field before it is used.
export const modelId = z.string().check(z.minLength(1), z.maxLength(MODEL_ID_MAX));
/** A model id the panel sends: one the registry accepts. */
export const newModelId = modelId.check(z.refine((id) => !hasControlCharacter(id), CONTROL_CHARACTER_MESSAGE));
export const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
export const count = z.int().check(z.nonnegative());
export const usd = z.number().check(z.nonnegative());

/** The result of a request that only acts (its effect reaches the panel as a new state). */
export const done = z.null();
export const onProvider = z.strictObject({ providerId });
