import { runSubgraph } from '../../lib/http/main';
import { createMediaSubgraph } from './subgraph';

runSubgraph('media', createMediaSubgraph);
