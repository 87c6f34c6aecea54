/**
 * How long to wait before the next try at bff-mobile after `failures` failures in a row: doubling
 * from 5 s up to a minute, and a random part of it (between half and all of it). A fixed interval
 * would have every phone that lost bff-mobile call it in step every few seconds while it is down
 * or overloaded, and all at once when it comes back.
 */
export const FIRST_RETRY_MS = 5_000;
export const LONGEST_RETRY_MS = 60_000;

export function retryDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
