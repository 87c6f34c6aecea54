export { startNats, type TestNats } from '../../tooling/nats-server';
