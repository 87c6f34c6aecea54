import { runSubgraph } from '../../lib/http/main';
import { createUsersSubgraph } from './subgraph';

runSubgraph('users', createUsersSubgraph);
