import { subgraphPrismaConfig } from '../cli-adapter';

// The users subgraph's database; see ../cli-adapter.ts for why the CLI runs through an adapter.
export default subgraphPrismaConfig('users', __dirname);
