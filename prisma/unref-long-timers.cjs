// Preloaded into the Prisma CLI by scripts/prisma.ts. Prisma 6.19's WebAssembly schema engine
// arms 10 s and 60 s timers during `migrate dev` and never clears them, so the CLI sits idle for a minute
// after its work is done. Unref'ing timers of 5 s or more lets the process exit when the work
// is finished; such a timer still fires if the process is alive for another reason.
const { setTimeout: original } = globalThis;
globalThis.setTimeout = function setTimeout(callback, ms, ...args) {
  const timer = original(callback, ms, ...args);
  if (typeof ms === 'number' && ms >= 5_000) timer.unref?.();
  return timer;
};
