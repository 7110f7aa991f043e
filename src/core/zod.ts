// zod's mini API: the same schemas, parser and messages as the classic API, with functions in place
// of chained methods (`z.optional(z.string())` for `z.string().optional()`), which lets the bundler
// keep only what is used: about a third of the classic API's size in what activation loads (issue 18).
// Every schema in the extension comes from here, so the English messages are always configured.
// Import it as a namespace (`import * as z from '../zod'`): the bundler then keeps only the functions
// called. A namespace object exported as a value (`export { z }`) would keep all of zod, every locale
// included (activation measured 737 KB that way against 400 KB before).
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
