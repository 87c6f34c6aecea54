import type { RolldownLog } from 'rolldown';

/**
 * Drops the bundler's notice that a library's `"use client"` directive is not kept: it marks
 * React Server Components boundaries, and these bundles are client-only, so it means nothing
 * here. Every other warning is passed on.
 */
export function onwarn(warning: RolldownLog, pass: (warning: RolldownLog) => void): void {
  if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
  pass(warning);
}
