import { decryptSecret, encryptSecret } from "@/server/crypto";

/**
 * Webhook signing secrets are stored encrypted, bound (AAD) to their endpoint's id: a ciphertext copied
 * onto another endpoint row does not decrypt.
 */
const aad = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export function sealEndpointSecret(endpointId: string, secret: string): string {
  return encryptSecret(secret, aad(endpointId));
}

export function openEndpointSecret(endpointId: string, ciphertext: string): string {
  return decryptSecret(ciphertext, aad(endpointId));
}
