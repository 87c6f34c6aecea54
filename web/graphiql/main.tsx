import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

/**
 * GraphiQL for the BFF that serves this page (at /graphiql, outside production), built from npm
 * with everything it loads, so it works where Apollo Sandbox cannot reach Apollo's CDN. It asks
 * the same origin's /graphql, so bff-web's session cookie goes with each request.
 */
const fetcher = createGraphiQLFetcher({ url: new URL('/graphql', window.location.href).href });

createRoot(document.getElementById('graphiql')!).render(<GraphiQL fetcher={fetcher} defaultEditorToolsVisibility="variables" />);
