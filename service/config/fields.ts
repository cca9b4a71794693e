/** The shapes environment variables take in the schema: each carries its description, which docs/configuration.md is made from. */
import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';

export const Bool = (description: string, fallback?: boolean) =>
  Type.Union([Type.Literal('true'), Type.Literal('false')], { description, ...(fallback === undefined ? {} : { default: String(fallback) }) });

export const Int = (minimum: number, maximum: number, fallback: number, description: string) => Type.Integer({ minimum, maximum, default: fallback, description });

/** Optional text: unset (or empty) means "not given". */
export const Text = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

/** Text with a default. */
export const TextOr = (fallback: string, description: string, extra: { maxLength?: number } = {}) => Type.String({ default: fallback, description, ...extra });

export const Choice = <T extends string>(values: readonly T[], fallback: T, description: string): TUnion<TLiteral<T>[]> =>
  Type.Union(values.map((value) => Type.Literal(value)), { default: fallback, description });
