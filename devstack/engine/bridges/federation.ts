/**
 * The workspace key pair the engine signs installed Apps with (and verifies on load).
 * Rocket.Chat keeps one per workspace; one per process is enough here.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { IInternalFederationBridge } from '@rocket.chat/apps-engine/server/bridges/IInternalFederationBridge';

let keyPair: { publicKey: string; privateKey: string } | undefined;

export function createFederationBridge(): IInternalFederationBridge {
  keyPair ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const { publicKey, privateKey } = keyPair;
  return {
    getPrivateKey: async () => privateKey,
    getPublicKey: async () => publicKey,
  };
}
