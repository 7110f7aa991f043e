import * as z from '../core/zod';

const auditEntry = z.strictObject({
  at: z.number(),
  action: z.string(),
  providerId: z.optional(z.string()),
  detail: z.optional(z.string()),
});
export type PanelAuditEntry = z.infer<typeof auditEntry>;

/** The activity section: the audit log. */
export const activityRequests = {
  audit: { params: z.strictObject({}), result: z.array(auditEntry) },
} as const;
