import { defineConfig } from 'vite';

/**
 * The web app: built into web/dist (served by bff-web at /), or served by `npm run web:dev`,
 * which passes the graph, files and uploads to bff-web (BFF_WEB_URL, default http://127.0.0.1:4000).
 */
const bff = process.env.BFF_WEB_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: __dirname,
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: true },
  // React's automatic JSX runtime, compiled by Vite's own transformer (no Babel plugin needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  server: {
    host: '127.0.0.1',
    proxy: { '/graphql': bff, '/media': bff, '/uploads': bff },
  },
});
