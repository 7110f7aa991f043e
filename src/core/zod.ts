// zod's mini API: the same schemas, parser and messages as the classic API, with functions in place
// of chained methods (`z.optional(z.string())` for `z.string().optional()`), which lets the bundler
// keep only what is used: about a third of the classic API's size in what activation loads (issue 18).
// Every schema in the extension comes from here, so the English messages are always configured.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };
