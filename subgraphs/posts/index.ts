import { runSubgraph } from '../../lib/main';
import { createPostsSubgraph } from './subgraph';

runSubgraph('posts', createPostsSubgraph);
