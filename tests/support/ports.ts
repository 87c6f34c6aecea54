export { freePort } from '../../tooling/scratch-graph';
