/**
 * App persistence keyed by associations. Record keys are hashed: they stay short, and
 * values from assertions (jti, sub) never reach the store's queries as they came.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';
import { RocketChatAssociationModel, RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import { createHash } from 'crypto';

export interface Storage {
  read: IPersistenceRead;
  write: IPersistence;
}

export function hashKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

export function association(kind: string, key: string): RocketChatAssociationRecord {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, `iframe-auth:${kind}:${key}`);
}
