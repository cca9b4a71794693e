/**
 * IDENTITY_SOURCE=rocketchat (TOKEN_MODE=password only): Rocket.Chat itself is the directory.
 * There is nothing to check here — the password login to Rocket.Chat (modes/password/login.ts) is
 * the check, and its answer names the user — so this source only says "show the form".
 */
import type { IdentitySource } from '../../identity/types';

export function createRocketChatIdentity(ready: () => Promise<boolean>): IdentitySource {
  return {
    kind: 'rocketchat',
    ready,
    async close() {},
  };
}
