export { createAuditRouter } from './router';
export type { AuditDeps, PortalKit } from './kit';
