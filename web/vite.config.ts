import path from 'node:path';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';
import { onwarn } from './build-warnings';

/**
 * The web app: built into web/dist (served by bff-web at /), or served by `npm run web:dev`,
 * which passes the graph, files and uploads to bff-web (BFF_WEB_URL, default http://127.0.0.1:4000).
 */
const bff = process.env.BFF_WEB_URL ?? 'http://127.0.0.1:4000';

/** React Router's package exports only its development build; its production build is beside it. */
const reactRouter = path.join(__dirname, '..', 'node_modules', 'react-router', 'dist', 'production');

export default defineConfig(({ command }) => {
  // A build is for production whatever NODE_ENV says: `npm test` runs it with NODE_ENV=test,
  // which would otherwise leave React's development build and checks in the bundle.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: __dirname,
    resolve: {
      alias:
        command === 'build'
          ? [
              { find: /^react-router$/, replacement: path.join(reactRouter, 'index.mjs') },
              { find: /^react-router\/dom$/, replacement: path.join(reactRouter, 'dom-export.mjs') },
            ]
          : [],
    },
    // No source maps: they would publish the sources, and nobody debugs the built app in a browser.
    build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, rolldownOptions: { onwarn } },
    // React's automatic JSX runtime, compiled by Vite's own transformer (no Babel plugin needed).
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    // Each text asset also as .br and .gz, compressed once at build time at the highest levels,
    // which bff-web sends to browsers that accept them (bff-web/static.ts).
    plugins: [compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024 })],
    server: {
      host: '127.0.0.1',
      proxy: { '/graphql': bff, '/media': bff, '/uploads': bff },
    },
  };
});
