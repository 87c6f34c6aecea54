import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../../lib/events/nats';
import { startNats, type TestNats } from '../../tooling/nats-server';

/** NATS_URL may carry the broker's credentials; the NATS client itself would ignore them. */
let nats: TestNats;
const password = 'p@ss/word#1';

beforeAll(async () => {
  nats = await startNats({ user: 'events', pass: password });
}, 30_000);
afterAll(() => nats?.destroy());

it('connects to a broker that requires a password with the credentials of NATS_URL', async () => {
  const url = nats.url.replace('nats://', `nats://events:${encodeURIComponent(password)}@`);
  let connection: NatsConnection | undefined;
  try {
    connection = await connectNats(url, 'auth-test');
    // JetStream answers: the connection is authorised, not only open.
    const jsm = await jetstreamManager(connection);
    expect((await jsm.getAccountInfo()).streams).toBe(0);
    // The client keeps no trace of the credentials in the server it reports.
    expect(connection.getServer()).not.toContain(password);
  } finally {
    await connection?.close();
  }
}, 30_000);
