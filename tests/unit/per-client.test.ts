import { PerClient } from '../../bff/media-proxy';

/** The BFF's per-client bound on file transfers: slots per client, a short bounded wait, then a refusal. */
describe('PerClient', () => {
  it('gives each client its own slots', async () => {
    const slots = new PerClient(2, 0);
    expect(await slots.take('a')).not.toBeNull();
    expect(await slots.take('a')).not.toBeNull();
    expect(await slots.take('a')).toBeNull();
    expect(await slots.take('b')).not.toBeNull();
  });

  it('hands a freed slot to the next in line, and refuses once the wait is over', async () => {
    const slots = new PerClient(1, 200);
    const first = (await slots.take('a'))!;
    const waiting = slots.take('a');
    first();
    const second = await waiting;
    expect(second).not.toBeNull();
    const started = Date.now();
    expect(await slots.take('a')).toBeNull(); // nobody frees the slot within 200 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    second!();
    second!(); // giving back twice frees one slot, not two
    const third = (await slots.take('a'))!;
    expect(third).not.toBeNull();
    const next = slots.take('a');
    third();
    expect(await next).not.toBeNull();
  });

  it('bounds the queue like the slots', async () => {
    const slots = new PerClient(1, 10_000);
    await slots.take('a');
    const queued = slots.take('a');
    expect(await slots.take('a')).toBeNull(); // one in use, one waiting: the third is refused at once
    void queued;
  });
});
