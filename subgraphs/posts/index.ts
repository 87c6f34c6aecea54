import './tracing';
import { loadConfigOrExit } from '../../lib/config/env';
import { runSubgraph } from '../../lib/http/main';
import { loadPostsConfig } from './config';
import { createPostsSubgraph } from './subgraph';

runSubgraph(loadConfigOrExit('posts', loadPostsConfig), createPostsSubgraph);
