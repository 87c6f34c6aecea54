import { runSubgraph } from '../../lib/main';
import { createUsersSubgraph } from './subgraph';

runSubgraph('users', createUsersSubgraph);
