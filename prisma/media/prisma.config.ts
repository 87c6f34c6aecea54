import { subgraphPrismaConfig } from '../cli-adapter';

// The media subgraph's database; see ../cli-adapter.ts for why the CLI runs through an adapter.
export default subgraphPrismaConfig('media', __dirname);
