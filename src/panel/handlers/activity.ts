import type { Handlers } from '../handler';

/** The activity section: the audit log, newest first. */
export const activityHandlers: Handlers<'audit'> = {
  audit: (_params, { registry }) => Promise.resolve(registry.auditEntries()),
};
