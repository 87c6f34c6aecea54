import { z } from 'zod';

/**
 * Every domain event of the graph, by type and version: the one place their shapes are written.
 * Producers validate an event against it before it enters their outbox (lib/events/outbox.ts),
 * consumers validate what they receive before acting on it (lib/events/consumer.ts): an event
 * that does not match is set aside as poison, never half-applied. A change of shape is a new
 * version beside the old one, so consumers of the old keep working while producers move on.
 */

const id = z.uuid();
const role = z.enum(['READER', 'AUTHOR', 'ADMIN']);

export const CATALOGUE = {
  users: {
    /** The account is gone: everything of theirs elsewhere goes too. */
    UserDeleted: { 1: z.strictObject({ userId: id }) },
    /** An admin changed the account's role (the BFFs refuse older tokens through users' revocation feed). */
    UserRoleChanged: { 1: z.strictObject({ userId: id, role, previousRole: role }) },
    /** The public profile changed: the handle or display name as they are now (never the email). */
    UserProfileChanged: { 1: z.strictObject({ userId: id, handle: z.string().min(1).max(30), displayName: z.string().min(1).max(80) }) },
  },
  posts: {
    PostPublished: { 1: z.strictObject({ postId: id, authorId: id }) },
    /** Back to draft: only its author and admins may see it, or its media. */
    PostUnpublished: { 1: z.strictObject({ postId: id, authorId: id }) },
    PostDeleted: { 1: z.strictObject({ postId: id, authorId: id }) },
  },
  media: {
    /** A media record whose files are stored and may be served. */
    MediaReady: {
      1: z.strictObject({ mediaId: id, ownerId: id, postId: id.nullable(), purpose: z.enum(['POST', 'AVATAR']), kind: z.enum(['IMAGE', 'VIDEO']) }),
    },
    MediaDeleted: { 1: z.strictObject({ mediaId: id, ownerId: id, postId: id.nullable() }) },
  },
} as const;

export type Producer = keyof typeof CATALOGUE;
export const PRODUCERS = Object.keys(CATALOGUE) as Producer[];
export type EventType<P extends Producer = Producer> = P extends Producer ? keyof (typeof CATALOGUE)[P] & string : never;
type Versions<P extends Producer, T extends EventType<P>> = (typeof CATALOGUE)[P][T & keyof (typeof CATALOGUE)[P]];
/** The payload of type `T`'s latest (here: only) version 1. */
export type Payload<P extends Producer, T extends EventType<P>> = z.infer<Versions<P, T>[1 & keyof Versions<P, T>] & z.ZodType>;

/** What every event carries around its payload. */
export const envelope = z.strictObject({
  /** Unique: consumers record it to apply each event once; NATS deduplicates on it (Nats-Msg-Id). */
  id,
  producer: z.enum(PRODUCERS as [Producer, ...Producer[]]),
  /** The user, post or media record the event is about. */
  aggregateId: id,
  /** 1, 2, 3… per aggregate, in commit order. */
  sequence: z.number().int().min(1),
  type: z.string().min(1).max(100),
  version: z.number().int().min(1),
  /** ISO-8601, when the change committed (to the millisecond). */
  occurredAt: z.iso.datetime(),
  payload: z.unknown(),
});

export type DomainEvent = z.infer<typeof envelope>;

/** Why an event cannot be accepted; the message names the field, never the value. */
export class InvalidEvent extends Error {}

/** The schema of a producer's type and version, or undefined when the catalogue has none. */
function schemaOf(producer: Producer, type: string, version: number): z.ZodType | undefined {
  const versions = (CATALOGUE[producer] as Record<string, Record<number, z.ZodType>>)[type];
  return versions?.[version];
}

/** `value` as a valid event of the catalogue, or InvalidEvent. */
export function validateEvent(value: unknown): DomainEvent {
  const parsed = envelope.safeParse(value);
  if (!parsed.success) throw new InvalidEvent(`not an event: ${describe(parsed.error)}`);
  const event = parsed.data;
  const schema = schemaOf(event.producer, event.type, event.version);
  if (!schema) throw new InvalidEvent(`${event.producer} has no event ${event.type} version ${event.version} in the catalogue`);
  const payload = schema.safeParse(event.payload);
  if (!payload.success) throw new InvalidEvent(`${event.type} v${event.version}: ${describe(payload.error)}`);
  return { ...event, payload: payload.data };
}

/** Checks a payload before it is written to an outbox: a producer's bug stops the change, not its consumers. */
export function validatePayload(producer: Producer, type: string, version: number, payload: unknown): void {
  const schema = schemaOf(producer, type, version);
  if (!schema) throw new InvalidEvent(`${producer} has no event ${type} version ${version} in the catalogue`);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new InvalidEvent(`${type} v${version}: ${describe(parsed.error)}`);
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.code}`).join(', ');
}
