import { runSubgraph } from '../../lib/main';
import { createMediaSubgraph } from './subgraph';

runSubgraph('media', createMediaSubgraph);
