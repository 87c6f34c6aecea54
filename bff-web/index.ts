import { DEFAULT_PORTS, envInt, portVariable } from '../lib/config';
import { createGateway } from '../lib/gateway';
import { runService } from '../lib/main';

// For now bff-web is a plain gateway over the whole supergraph; the BFF issue gives it the
// web contract, cookie sessions and CSRF protection.
runService('bff-web', envInt(portVariable('bff-web'), DEFAULT_PORTS['bff-web'], { max: 65535 }), (logger) =>
  createGateway('bff-web', logger),
);
