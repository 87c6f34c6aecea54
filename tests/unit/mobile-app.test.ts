import { bffFromAddress } from '../../mobile/src/bff-address';
import { FIRST_RETRY_MS, LONGEST_RETRY_MS, retryDelay } from '../../mobile/src/backoff';

/** The mobile app's decisions that are not about screens (mobile/src; its screens are tested in mobile-app.e2e). */
describe('the web build pointed at a bff-mobile with ?bff=', () => {
  const page = (search: string, hostname = '127.0.0.1') => bffFromAddress({ search, hostname });

  it('takes an origin on the page’s own host, any port', () => {
    expect(page('?bff=http%3A%2F%2F127.0.0.1%3A41234')).toBe('http://127.0.0.1:41234');
    expect(page('?bff=https://app.example.com:8443', 'app.example.com')).toBe('https://app.example.com:8443');
  });

  it('ignores any other host, so a link cannot send the password and tokens typed into the app elsewhere', () => {
    expect(page('?bff=https://attacker.example')).toBeNull();
    expect(page('?bff=http://localhost:4100')).toBeNull();
    expect(page('?bff=http://127.0.0.1.attacker.example:4100')).toBeNull();
    expect(page('?bff=http://127.0.0.1@attacker.example')).toBeNull();
    expect(page('?bff=http://attacker.example@127.0.0.1:4100')).toBeNull();
  });

  it('ignores what is not a bare http(s) origin', () => {
    for (const bff of ['', 'javascript:alert(1)', 'http://127.0.0.1:4100/graphql', 'ftp://127.0.0.1', 'http://127.0.0.1:99999']) {
      expect(page(`?bff=${encodeURIComponent(bff)}`)).toBeNull();
    }
    expect(page('')).toBeNull();
  });
});

describe('retrying an unreachable bff-mobile', () => {
  it('waits longer after each failure in a row, up to a minute', () => {
    const longest = (failures: number) => retryDelay(failures, () => 1);
    expect([1, 2, 3, 4, 5, 6, 20].map(longest)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, LONGEST_RETRY_MS]);
  });

  it('spreads the clients that lost it at the same moment over half of each wait', () => {
    expect(retryDelay(1, () => 0)).toBe(FIRST_RETRY_MS / 2);
    expect(retryDelay(3, () => 0)).toBe(10_000);
    expect(retryDelay(3, () => 0.5)).toBe(15_000);
    expect(new Set(Array.from({ length: 50 }, () => retryDelay(2))).size).toBeGreaterThan(1);
  });
});
