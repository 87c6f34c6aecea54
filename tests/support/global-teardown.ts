export default async function globalTeardown() {
  await (globalThis as { fgStopDatabases?: () => Promise<void> }).fgStopDatabases?.();
}
