/**
 * Where notifications point in the portal. Kept in one place so a moved page moves every link at once.
 */
export const portalLinks = {
  /** The requester's view of one request (status, decisions). */
  request: (requestId: string) => `/access/requests/${requestId}`,
  /** The approver's inbox, opened on one request. */
  inbox: (requestId: string) => `/inbox?request=${encodeURIComponent(requestId)}`,
  /** The holder's grant page: countdown, release, extend, one-time credentials. */
  grant: (grantId: string) => `/access/grants/${grantId}`,
  /** Admin view of a grant whose provisioning or revocation fails. */
  adminGrant: (grantId: string) => `/admin/grants/${grantId}`,
  breakGlassReview: (reviewId: string) => `/admin/break-glass?review=${encodeURIComponent(reviewId)}`,
  notifications: () => "/notifications",
  adminNotifications: () => "/admin/notifications",
} as const;
