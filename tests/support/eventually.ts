/**
 * Retries `check` until it passes, for at most `ms`: a browser's UI and a service's state
 * change asynchronously, so a test awaits them by polling, never by sleeping.
 */
export async function eventually(check: () => Promise<unknown>, ms = 10_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
