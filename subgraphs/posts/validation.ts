import { badInput } from '../../lib/errors';

export const MAX_BODY_LENGTH = 100_000;

export function title(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > 200) throw badInput(field, 'must be 1–200 characters');
  return trimmed;
}

export function body(field: string, value: string): string {
  if (value.length > MAX_BODY_LENGTH) throw badInput(field, `must be at most ${MAX_BODY_LENGTH} characters`);
  return value;
}
