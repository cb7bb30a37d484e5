/** Tokens as the tokens table shows them (serialisable; expiry judged on the server, so every render agrees). */
export function tokenRows<T extends { expiresAt: Date; revokedAt: Date | null; lastUsedAt: Date | null; createdAt: Date }>(tokens: readonly T[]) {
  const now = Date.now();
  return tokens.map((t) => ({
    ...t,
    expired: t.expiresAt.getTime() < now,
    expiresAt: t.expiresAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  }));
}
