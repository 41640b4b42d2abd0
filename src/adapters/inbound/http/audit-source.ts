import type { Context } from 'koa';
import type { AuditSource } from '../../../app/audit/audit-trail.js';
import { credentialOf } from './middleware/basic-auth.js';

/**
 * Who made an operator request's change and from where, for the audit log: the user name of the
 * credential that authenticated it (an operator's, as only operators change anything), the
 * client address as the socket saw it (as the request log line has it), and the request's id.
 */
export function auditSource(ctx: Context): AuditSource {
  return {
    actor: credentialOf(ctx)?.user ?? 'operator',
    address: ctx.req.socket.remoteAddress ?? null,
    requestId: typeof ctx.state.requestId === 'string' ? ctx.state.requestId : null,
  };
}
