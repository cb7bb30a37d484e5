/**
 * How often an open /inbox page asks for new requests. The lifecycle benchmark's approvers poll at the
 * same interval, so the load it measures under is the load approvers' pages really make.
 */
export const INBOX_REFRESH_MS = 5_000;
