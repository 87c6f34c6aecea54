import { subgraphPrismaConfig } from '../cli-adapter';

// The posts subgraph's database; see ../cli-adapter.ts for why the CLI runs through an adapter.
export default subgraphPrismaConfig('posts', __dirname);
