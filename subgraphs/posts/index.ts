import { runSubgraph } from '../../lib/http/main';
import { createPostsSubgraph } from './subgraph';

runSubgraph('posts', createPostsSubgraph);
