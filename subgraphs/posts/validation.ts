import { text } from '../../lib/graphql/errors';

export const MAX_BODY_LENGTH = 100_000;

export function title(field: string, value: string): string {
  return text(field, value, { min: 1, max: 200 });
}

/** Markdown as written: not trimmed, since leading spaces can be Markdown. */
export function body(field: string, value: string): string {
  return text(field, value, { max: MAX_BODY_LENGTH, trim: false, multiline: true });
}
