import { DEFAULT_PORTS, envInt, portVariable, processConfig } from '../lib/config/env';
import { runService } from '../lib/http/main';
import { createMobileBff } from './server';

runService('bff-mobile', { ...processConfig(), port: envInt(portVariable('bff-mobile'), DEFAULT_PORTS['bff-mobile'], { max: 65535 }) }, createMobileBff);
