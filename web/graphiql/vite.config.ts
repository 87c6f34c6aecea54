import { defineConfig } from 'vite';
import { onwarn } from '../build-warnings';

/**
 * GraphiQL, built into web/graphiql/dist and served by both BFFs at /graphiql when Sandbox is
 * on (bff/graphiql.ts). A development tool, so no precompression; React's production build all
 * the same (`npm test` builds with NODE_ENV=test).
 */
export default defineConfig(({ command }) => {
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: __dirname,
    base: '/graphiql/',
    build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 4096, rolldownOptions: { onwarn } },
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  };
});
