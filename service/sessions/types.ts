/**
 * Sessions are stateless (an encrypted cookie), so logging out needs a shared list of
 * ended session ids: every replica checks it. Entries expire with the session they end.
 */
export interface RevocationList {
  /** Ends session `sid` until `untilEpochSeconds` (the session's own expiry). */
  revoke(sid: string, untilEpochSeconds: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
  close(): Promise<void>;
}
