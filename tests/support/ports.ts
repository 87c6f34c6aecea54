export { freePort } from '../../lib/scratch-graph';
